"""The static graph in two stages, so that a runtime can pipeline consecutive frames on two cores.

The network's state lives only in the encoder-side half: the backbone, ASPP and the recurrent decoder
blocks (decode4..decode1). The rest, the output block at the working size, the projection and the
refiner at full resolution, reads nothing from earlier frames. Exported apart, the *front* of frame
t+1 can run on one core while the *back* of frame t runs on the other, each onnxruntime session on
one thread: on the 2-core AVX2 machine of ``docs/benchmarks.md`` the halves at 1280x720 ratio 0.2 take
25 and 21 ms on one thread each, overlapped about 28 ms a frame, against 34 ms for the whole graph on
two threads.

::

    front: src [1, 3, H, W], r1i..r4i            -> x1 [1, C, h/2, w/2], src_sm [1, 3, h, w], r1o..r4o
    back:  src [1, 3, H, W], src_sm, x1          -> fgr [1, 3, H, W], pha [1, 1, H, W]

The names are ``runner.FRONT_INPUTS`` / ``FRONT_OUTPUTS`` / ``BACK_INPUTS`` / ``BACK_OUTPUTS``.
"""
from __future__ import annotations

import torch
from torch import Tensor, nn

from videomatte.export.runner import BACK_INPUTS, BACK_OUTPUTS, FRONT_INPUTS, FRONT_OUTPUTS
from videomatte.export.wrappers import OnnxMatting, zero_states
from videomatte.models.network import MattingNetwork

STAGES = ("front", "back")


class FrontStage(nn.Module):
    """``(src, r1..r4) -> (x1, src_sm, r1o..r4o)`` at a baked-in ratio and fixed shapes."""

    def __init__(self, net: MattingNetwork, ratio: float) -> None:
        super().__init__()
        self.whole = OnnxMatting(net, ratio, fixed_shapes=True)

    def forward(self, src: Tensor, r1: Tensor, r2: Tensor, r3: Tensor, r4: Tensor) -> tuple[Tensor, ...]:
        src_sm = self.whole.shrink(src)
        x1, *rec = self.whole.front(src_sm, r1, r2, r3, r4)
        return (x1, src_sm, *rec)


class BackStage(nn.Module):
    """``(src, src_sm, x1) -> (fgr, pha)`` at a baked-in ratio and fixed shapes."""

    def __init__(self, net: MattingNetwork, ratio: float) -> None:
        super().__init__()
        self.whole = OnnxMatting(net, ratio, fixed_shapes=True)

    def forward(self, src: Tensor, src_sm: Tensor, x1: Tensor) -> tuple[Tensor, Tensor]:
        return self.whole.back(src, src_sm, x1)


def stage_wrapper(net: MattingNetwork, stage: str, ratio: float, height: int, width: int,
                  dtype: torch.dtype) -> tuple[nn.Module, tuple[Tensor, ...], list[str], list[str]]:
    """The module of ``stage`` with example inputs for tracing and its input and output names."""
    src = torch.rand(1, 3, height, width, dtype=dtype)
    states = zero_states(net, 1, height, width, ratio, dtype)
    front = FrontStage(net, ratio).eval().to(dtype)
    if stage == "front":
        return front, (src, *states), list(FRONT_INPUTS), list(FRONT_OUTPUTS)
    with torch.no_grad():
        x1, src_sm = front(src, *states)[:2]
    return BackStage(net, ratio).eval().to(dtype), (src, src_sm, x1), list(BACK_INPUTS), list(BACK_OUTPUTS)
