"""Export-friendly views of a network for the ONNX exporter: same submodules and weights, other signatures.

The network itself is left alone ("export mode as a wrapper, not a fork"; TorchScript compiles the
network as it is):

- ``OnnxMatting``: one frame ``[B, 3, H, W]`` with explicit states in and out, and either a runtime
  ``downsample_ratio`` tensor (the original export's contract) or a ratio baked into the graph. It runs
  the network's encoder and decoder, and the refiner in the CPU-friendly form of ``_refine``.
- ``FixedRatioMatting``: any registered network (the seed variants too) at a baked-in ratio, traced
  with fixed shapes.
"""
from __future__ import annotations

from typing import Optional

import torch
from torch.autograd.function import FunctionCtx
from torch import Tensor, nn

from videomatte.export.runner import ONNX_INPUTS, ONNX_OUTPUTS
from videomatte.export.upsample import downsample_fixed, resize_node, upsample_parts
from videomatte.models.blocks.layers import downsample
from videomatte.models.network import MattingNetwork

__all__ = ["ONNX_INPUTS", "ONNX_OUTPUTS", "FixedRatioMatting", "OnnxMatting", "zero_states"]


class _SharedSubmodules(nn.Module):
    """Holds the network's own submodules (the weights are shared, not copied) for a wrapper's forward."""

    def __init__(self, net: MattingNetwork) -> None:
        super().__init__()
        self.backbone = net.backbone
        self.aspp = net.aspp
        self.decoder = net.decoder
        self.project_mat = net.project_mat
        self.refiner = net.refiner


class _ResizeByRatio(torch.autograd.Function):
    """Bilinear ``x * ratio`` resize whose ratio is a runtime tensor ``[1]``.

    Exports as one ONNX ``Resize`` with ``scales = [1, 1, r, r]`` and ``pytorch_half_pixel`` coordinates,
    which is what ``F.interpolate(scale_factor=r, recompute_scale_factor=False)`` computes: the output is
    ``floor(H*r) x floor(W*r)`` and the sampling grid uses ``1/r``.
    """

    @staticmethod
    def forward(ctx: FunctionCtx, x: Tensor, ratio: Tensor) -> Tensor:  # noqa: D102 - see class docstring
        return downsample(x, float(ratio.reshape(-1)[0]))

    @staticmethod
    def symbolic(g, x, ratio):  # noqa: ANN001, ANN205 - ONNX graph-building callback
        ones = g.op("Constant", value_t=torch.ones(2, dtype=torch.float32))
        ratio = g.op("Reshape", ratio, g.op("Constant", value_t=torch.tensor([1], dtype=torch.int64)))
        scales = g.op("Concat", ones, ratio, ratio, axis_i=0)
        return resize_node(g, x, scales)


def _gray(rgb: Tensor) -> Tensor:
    """Channel mean ``[B, 3, H, W] -> [B, 1, H, W]`` as a matrix product (onnxruntime's ReduceMean over
    channels is four times slower at 1080p). Measured (benchmarks/bench_onnx_rewrites.py, CPU time of
    one thread): the 1080p ratio 0.25 static graph runs 2 % faster with it by the minimum frame time of
    three runs (0-4 % by the median): marginal."""
    weights = torch.full((1, 3), 1.0 / 3.0, dtype=rgb.dtype, device=rgb.device)
    return torch.matmul(weights, rgb.flatten(2)).unflatten(2, rgb.shape[2:])


def check_exportable(net: nn.Module) -> nn.Module:
    """``net`` if it is a network of the registry (``ExportError`` otherwise)."""
    from videomatte.errors import ExportError

    if not hasattr(net, "variant") or not callable(getattr(net, "forward", None)):
        raise ExportError(f"export takes a network of the model registry, not {type(net).__name__}")
    return net


def check_scriptable(net: nn.Module) -> MattingNetwork:
    """``net`` if ``torch.jit.script`` compiles it (RVM networks without BRM: either decoder cell, any
    refiner), else ``ExportError``."""
    from videomatte.errors import ExportError

    if not isinstance(net, MattingNetwork) or net.brm is not None:
        raise ExportError(f"TorchScript export does not support variant {getattr(net, 'variant', '?')!r}; "
                          "export it with --format onnx --static WxH --ratio R")
    return net


class FixedRatioMatting(nn.Module):
    """Any registered network as ``(src, r1..r4) -> (fgr, pha, r1o..r4o)`` at a baked-in ratio, for
    tracing with fixed shapes (the seed variants: ConvLSTM, BRM, PRM, seed 004).

    Args:
        net: the network (shared, not copied).
        ratio: the downsample ratio.
    """

    def __init__(self, net: nn.Module, ratio: float) -> None:
        super().__init__()
        self.net, self.ratio = net, ratio

    def forward(self, src: Tensor, r1: Tensor, r2: Tensor, r3: Tensor, r4: Tensor) -> tuple[Tensor, ...]:
        return tuple(self.net(src, r1, r2, r3, r4, downsample_ratio=self.ratio))


class OnnxMatting(_SharedSubmodules):
    """One-frame, explicit-state forward pass for ``torch.onnx.export``.

    Args:
        net: the network whose submodules (and weights) are used.
        ratio: ``None`` keeps ``downsample_ratio`` a runtime input and always runs the refiner (as the
            original export does); a float bakes that ratio into the graph, and at ``1.0`` drops both the
            resize and the refiner (as the eager network does).
        fixed_shapes: trace for one frame size (the static export): states come in at their full shape,
            and the refiner's upsampling takes ``upsample_parts``' two-pass route where its scale allows. Otherwise each
            incoming state is broadcast to its full shape, so that zeros ``[1, 1, 1, 1]`` work as the
            first frame's state (the original export's convention).

    ``forward(src, r1i, r2i, r3i, r4i[, downsample_ratio])``: ``src`` ``[B, 3, H, W]`` in 0..1, states
    ``[B, C, h, w]``, ratio ``[1]`` float32. Returns ``(fgr [B, 3, H, W], pha [B, 1, H, W], r1o..r4o)``.
    """

    def __init__(self, net: MattingNetwork, ratio: Optional[float] = None, fixed_shapes: bool = False) -> None:
        super().__init__(net)
        self.ratio = ratio
        self.fixed_shapes = fixed_shapes
        self.state_channels = list(net.state_channels)

    def forward(self, src: Tensor, r1: Tensor, r2: Tensor, r3: Tensor, r4: Tensor,
                downsample_ratio: Optional[Tensor] = None) -> tuple[Tensor, ...]:
        src_sm = self.shrink(src, downsample_ratio)
        x1, *rec = self.front(src_sm, r1, r2, r3, r4)
        return (*self.back(src, src_sm, x1), *rec)

    def shrink(self, src: Tensor, downsample_ratio: Optional[Tensor] = None) -> Tensor:
        """The frame at the network's working size ``[B, 3, h, w]``."""
        if self.ratio is None:
            if downsample_ratio is None:
                raise ValueError("this wrapper takes downsample_ratio as an input")
            return _ResizeByRatio.apply(src, downsample_ratio)
        if self.ratio == 1.0:
            return src
        return downsample_fixed(src, self.ratio) if self.fixed_shapes else downsample(src, self.ratio)

    def front(self, src_sm: Tensor, r1: Tensor, r2: Tensor, r3: Tensor, r4: Tensor) -> list[Tensor]:
        """The stateful part, encoder and recurrent decoder blocks: ``[x1, r1o, r2o, r3o, r4o]``."""
        f1, f2, f3, f4 = self.backbone(src_sm)
        states = [r1, r2, r3, r4]
        if not self.fixed_shapes:
            states = self._expand(states, src_sm, f1, f2, f3, f4)
        return list(self.decoder.recurrent(src_sm, f1, f2, f3, self.aspp(f4), *states, 1))

    def back(self, src: Tensor, src_sm: Tensor, x1: Tensor) -> tuple[Tensor, Tensor]:
        """The stateless rest, output block, projection and refiner: ``(fgr, pha)`` clamped to 0..1."""
        hid = self.decoder.decode0(x1, src_sm)
        mat = self.project_mat(hid)  # [fgr residual, alpha]
        if self.ratio is None or self.ratio != 1.0:
            fgr, pha = self._refine(src, src_sm, mat, hid)
        else:
            fgr_residual, pha = mat.split([3, 1], dim=1)
            fgr = fgr_residual + src
        return fgr.clamp(0.0, 1.0), pha.clamp(0.0, 1.0)

    def _refine(self, src: Tensor, src_sm: Tensor, mat: Tensor, hid: Tensor) -> tuple[Tensor, Tensor]:
        """The refiner with fewer full-resolution passes than ``refiner.forward`` (same result).

        ``fgr = up(A_rgb) * rgb + up(b_rgb) + rgb`` becomes ``up(A_rgb + 1) * rgb + up(b_rgb)`` (bilinear
        weights sum to one), and alpha is computed on its own, so that no 4-channel full-resolution
        tensor is concatenated or split.
        """
        A, b = self.refiner.coefficients(src_sm, *mat.split([3, 1], dim=1), hid)
        rgb_plus_one = torch.tensor([1.0, 1.0, 1.0, 0.0], dtype=A.dtype, device=A.device).view(1, 4, 1, 1)
        low = torch.cat([A + rgb_plus_one, b], dim=1)  # [A_rgb + 1, A_pha, b_rgb, b_pha]
        a_rgb, a_pha, b_rgb, b_pha = upsample_parts(low, src, [3, 1, 3, 1], self.fixed_shapes)
        return a_rgb * src + b_rgb, a_pha * _gray(src) + b_pha

    def _expand(self, states: list[Tensor], *levels: Tensor) -> list[Tensor]:
        """Broadcast each state to ``[B, C_k, h_k, w_k]``, the batch and size of features 1..4."""
        batch = levels[0].shape[0]
        out = []
        for k, (state, channels) in enumerate(zip(states, self.state_channels)):
            level = levels[k + 1]
            out.append(state.expand(batch, channels, level.shape[2], level.shape[3]))
        return out


def zero_states(net: nn.Module, batch: int, height: int, width: int, ratio: float,
                dtype: torch.dtype = torch.float32) -> list[Tensor]:
    """Full-shape zero states ``[B, C_k, h_k, w_k]`` for an input of ``height x width`` at ``ratio``."""
    return [torch.zeros(batch, *shape, dtype=dtype) for shape in net.state_layout(height, width, ratio)]
