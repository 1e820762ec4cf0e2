"""Parity checks of an exported model against the eager network: ten frames with the state carried."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Sequence

import numpy as np
import torch
from torch import Tensor, nn

from videomatte.errors import ExportError
from videomatte.export.runner import OnnxRunner
from videomatte.models.network import MattingNetwork

CHECK_FRAMES = 10
CHECK_SIZE = (72, 128)  # frame size of the parity check of dynamic-shape exports
# (mean |diff|, max |diff|) an export must meet, by precision. int8 is judged on alpha's mean only:
# its recurrent states (in -1..1) can differ by up to 2 at single elements without a visible effect.
TOLERANCES = {"fp32": (1e-6, 5e-4), "fp16": (2e-3, 0.25), "int8": (5e-2, None)}


@dataclass(frozen=True)
class ParityResult:
    """Differences between an export and the eager network over ``frames`` frames.

    Attributes:
        mean_abs: mean |difference| over all elements of fgr, pha and the four states.
        max_abs: the largest |difference| there.
        mean_pha: mean |difference| of alpha alone.
        frames: frames compared; size: ``(H, W)``.
    """

    mean_abs: float
    max_abs: float
    mean_pha: float
    frames: int
    size: tuple[int, int]

    def __str__(self) -> str:
        return (f"{self.frames} frames at {self.size[1]}x{self.size[0]}: mean |diff| {self.mean_abs:.1e}, "
                f"max {self.max_abs:.1e}, alpha mean {self.mean_pha:.1e}")


def synthetic_frames(count: int, height: int, width: int, seed: int = 0) -> Tensor:
    """Smooth random frames ``[count, 3, H, W]`` in 0..1 (noise upsampled, so the matte varies)."""
    generator = torch.Generator().manual_seed(seed)
    coarse = torch.rand(count, 3, max(height // 8, 2), max(width // 8, 2), generator=generator)
    return torch.nn.functional.interpolate(coarse, size=(height, width), mode="bilinear", align_corners=False)


def eager_outputs(net: MattingNetwork, frames: Tensor, ratio: float, force_refiner: bool) -> list[list[Tensor]]:
    """``[fgr, pha, r1..r4]`` per frame of ``frames`` ``[T, 3, H, W]`` from the fp32 eager network."""
    outputs, rec = [], [None] * 4
    with torch.inference_mode():
        for frame in frames:
            fgr, pha, *rec = net(frame[None], *rec, downsample_ratio=ratio, force_refiner=force_refiner)
            outputs.append([fgr, pha, *rec])
    return outputs


def onnx_outputs(graph: str | Path | OnnxRunner, frames: Tensor, ratio: Optional[float]) -> list[list[np.ndarray]]:
    """``[fgr, pha, r1..r4]`` per frame of ``frames`` ``[T, 3, H, W]`` from an ONNX graph, state carried
    (``ratio`` ``None`` for a static graph that bakes it in)."""
    runner = graph if isinstance(graph, OnnxRunner) else OnnxRunner(graph)
    runner.reset()
    return [[*runner.step(frame[None].numpy(), ratio), *runner.states] for frame in frames]


def differences(expected: Sequence[Sequence[Tensor | np.ndarray]], actual: Sequence[Sequence[Tensor | np.ndarray]],
                outputs: int | None = None) -> ParityResult:
    """Differences of per-frame output lists (the first ``outputs`` of each frame, all by default)."""
    total, count, worst, pha_total, pha_count = 0.0, 0, 0.0, 0.0, 0
    for exp_frame, act_frame in zip(expected, actual):
        for index, (exp, act) in enumerate(list(zip(exp_frame, act_frame))[:outputs]):
            diff = (torch.as_tensor(exp).float() - torch.as_tensor(act).float()).abs()
            total, count, worst = total + float(diff.sum()), count + diff.numel(), max(worst, float(diff.max()))
            if index == 1:
                pha_total, pha_count = pha_total + float(diff.sum()), pha_count + diff.numel()
    size = tuple(torch.as_tensor(expected[0][1]).shape[-2:])
    return ParityResult(total / count, worst, pha_total / pha_count, len(expected), size)


def within(result: ParityResult, precision: str) -> bool:
    """Whether ``result`` meets ``TOLERANCES[precision]`` (int8: alpha's mean only)."""
    mean_limit, max_limit = TOLERANCES[precision]
    measured = result.mean_pha if precision == "int8" else result.mean_abs
    within_max = max_limit is None or result.max_abs <= max_limit
    return measured <= mean_limit and within_max and bool(np.isfinite(result.max_abs))


def compare(expected: Sequence[Sequence[Tensor]], actual: Sequence[Sequence[Tensor]], precision: str,
            what: str) -> ParityResult:
    """Differences of per-frame output lists; ``ExportError`` when beyond ``TOLERANCES[precision]``."""
    result = differences(expected, actual)
    if not within(result, precision):
        mean_limit, max_limit = TOLERANCES[precision]
        allowed = f"alpha mean {mean_limit:g}" if max_limit is None else f"mean {mean_limit:g}, max {max_limit:g}"
        raise ExportError(f"{what} differs from the eager network ({result}; allowed for {precision}: {allowed})")
    return result


def check_parity(net: MattingNetwork, path: Path, ratio: Optional[float], static: Optional[tuple[int, int]],
                 precision: str = "fp32", frames: Optional[np.ndarray] = None) -> ParityResult:
    """Run the ONNX file at ``path`` and the eager ``net`` on ten frames and compare all outputs.

    A runtime ``downsample_ratio`` is checked at 0.5 (the export always refines, so the eager network
    is run with ``force_refiner``). ``frames`` (float32 ``[T, 3, H, W]``) replaces the synthetic ones.
    """
    height, width = static or CHECK_SIZE
    clip = torch.from_numpy(frames[:CHECK_FRAMES]) if frames is not None else synthetic_frames(CHECK_FRAMES, height, width)
    run_ratio = 0.5 if ratio is None else ratio
    expected = eager_outputs(net, clip, run_ratio, force_refiner=ratio is None)
    return compare(expected, onnx_outputs(path, clip, run_ratio), precision, f"the {precision} ONNX export")


def compare_with_onnx(model: nn.Module, onnx_path: str | Path, frames: Sequence[np.ndarray],
                      ratio: float) -> ParityResult:
    """Run ``model`` and an ONNX file (the authors' export) side by side over ``frames`` (uint8
    ``[H, W, 3]`` RGB), frame by frame with state, and measure foreground and alpha. The authors' export
    always refines, so the network runs with ``force_refiner``."""
    clip = torch.from_numpy(np.stack(frames)).permute(0, 3, 1, 2).float().div(255)
    expected = eager_outputs(model, clip, ratio, force_refiner=True)
    return differences(expected, onnx_outputs(onnx_path, clip, ratio), outputs=2)
