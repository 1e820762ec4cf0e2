"""The refiner's bilinear upsampling of its coefficient planes, as onnxruntime runs it fastest.

At 1080p ratio 0.25 the upsampling of eight coefficient planes to full resolution was the most
expensive node of the exported graph: onnxruntime's CPU ``Resize`` is scalar and writes 16.6 M floats,
and the planes then had to be split into four tensors (another copy of the same size). When shapes are
fixed and the scale is a ratio ``p/q`` of short period (4 at ratio 0.25; 15/4 for the automatic ratio
at 1080p), the same bilinear weights are applied in two passes instead:

1. along the width, with a ``Resize`` by the constant scale on the small planes (a ``1/p`` share of the
   work). Rows are independent here, so for a whole-number scale the planes are regrouped into a
   multiple of 16 channels and entered into onnxruntime's blocked layout by an exact identity, where
   the resize is vectorised;
2. along the height, per channel group, as a ``Gather`` of the ``q + 2`` source rows that each period
   of ``p`` output rows reads and one ``MatMul`` with the ``p x (q + 2)`` weights: the output rows of
   ``[B, c, periods, p, W]`` land in order, so each group comes out contiguous and no split is needed.

Same values as ``F.interpolate(..., mode="bilinear", align_corners=False)`` up to float rounding.
Measured with ``benchmarks/bench_onnx_rewrites.py`` (CPU time of one onnxruntime thread per frame, the
official weights): the 1920x1080 ratio 0.25 static graph takes 1.10x as long with one ``Resize`` and a
split instead (no refiner at 512x288 ratio 1).
"""
from __future__ import annotations

import math
from fractions import Fraction
from typing import Optional, Sequence

import numpy as np
import torch
from torch.autograd.function import FunctionCtx
from torch import Tensor
from torch.nn import functional as F


class UpsampleLike(torch.autograd.Function):
    """Bilinear resize of ``x`` to the spatial size of ``like``, exported with runtime *scales*.

    onnxruntime's CPU ``Resize`` is about 1.6x slower when given output ``sizes`` than when given
    ``scales``. The output size is ``floor(h * scale)``, so the float32 scale ``H/h`` is nudged up by
    2^-22 only where ``h * (H/h)`` falls short of ``H`` (as for 5/3); a nudge moves the sampling grid by
    up to 1e-4 of a pixel at the far edge, which shows as ~3e-6 in a foreground with sharp coefficients,
    so exact ratios such as 4 are left exact.
    """

    @staticmethod
    def forward(ctx: FunctionCtx, x: Tensor, like: Tensor) -> Tensor:  # noqa: D102 - see class docstring
        return F.interpolate(x, size=(like.shape[2], like.shape[3]), mode="bilinear", align_corners=False)

    @staticmethod
    def symbolic(g, x, like):  # noqa: ANN001, ANN205 - ONNX graph-building callback
        def spatial(t, to):  # noqa: ANN001, ANN202
            return g.op("Cast", g.op("Shape", t, start_i=2, end_i=4), to_i=to)

        ratio = g.op("Div", spatial(like, 1), spatial(x, 1))  # 1 = FLOAT
        # float32 operands multiply exactly in float64 (11 = DOUBLE): the true h * scale, whichever
        # precision the runtime computes the output size in.
        short = g.op("Less", g.op("Mul", spatial(x, 11), g.op("Cast", ratio, to_i=11)), spatial(like, 11))
        nudge = g.op("Constant", value_t=torch.tensor([1.0 + 2.0 ** -22], dtype=torch.float32))
        factors = g.op("Where", short, g.op("Mul", ratio, nudge), ratio)
        scales = g.op("Concat", g.op("Constant", value_t=torch.ones(2, dtype=torch.float32)), factors, axis_i=0)
        return resize_node(g, x, scales)


class _StretchWidth(torch.autograd.Function):
    """Bilinear resize of ``x`` ``[B, C, h, w]`` to ``[B, C, h, width]``, exported as one ``Resize`` by the
    constant scale ``width / w`` (``half_pixel``: with the height unscaled it equals PyTorch's
    coordinates, and onnxruntime runs it in the blocked layout when the scale is a whole number)."""

    @staticmethod
    def forward(ctx: FunctionCtx, x: Tensor, width: int, small: int) -> Tensor:  # noqa: D102 - see class docstring
        return F.interpolate(x, size=(x.shape[2], width), mode="bilinear", align_corners=False)

    @staticmethod
    def symbolic(g, x, width, small):  # noqa: ANN001, ANN205 - ONNX graph-building callback
        scales = g.op("Constant", value_t=torch.tensor([1.0, 1.0, 1.0, width / small], dtype=torch.float32))
        return resize_node(g, x, scales, coordinates="half_pixel")


class _DownsampleBy(torch.autograd.Function):
    """``downsample(x, ratio)`` for a fixed frame size, exported as one ``Resize`` whose output is the
    size PyTorch computes, ``floor(H * ratio) x floor(W * ratio)`` in double precision.

    ONNX takes float32 scales, and ``floor(640 * float32(0.45))`` is 287 in onnx's shape inference
    (288 in PyTorch): the decoder's concatenation of the image with its upsampled features then failed
    (issue 17). Each axis gets the float32 scale nearest to ``ratio`` that reaches PyTorch's size in
    float32 and in double arithmetic (``axis_scale``: ``float32(ratio)`` itself for 0.25, 0.5 or 1/3 at
    1080p; one or two float32 steps away for 0.45 at 640), so the sampling grid moves by at most a few
    1e-7 of its span. Coordinates are ``half_pixel``, PyTorch's rule for every output size
    (``pytorch_half_pixel`` samples pixel 0 for an output of one pixel, where PyTorch samples the
    centre: at the smallest ratio).
    """

    @staticmethod
    def forward(ctx: FunctionCtx, x: Tensor, ratio: float) -> Tensor:  # noqa: D102 - see class docstring
        return F.interpolate(x, scale_factor=ratio, mode="bilinear", align_corners=False, recompute_scale_factor=False)

    @staticmethod
    def symbolic(g, x, ratio):  # noqa: ANN001, ANN205 - ONNX graph-building callback
        height, width = (int(n) for n in x.type().sizes()[2:])
        factors = [1.0, 1.0, axis_scale(height, ratio), axis_scale(width, ratio)]
        scales = g.op("Constant", value_t=torch.tensor(factors, dtype=torch.float32))
        return resize_node(g, x, scales, coordinates="half_pixel")


def axis_scale(size: int, ratio: float, target: Optional[int] = None) -> float:
    """The float32 value nearest to ``ratio`` whose product with ``size`` floors to ``target`` (default
    ``int(size * ratio)``, PyTorch's output size) both in float32 and in double arithmetic."""
    target = int(size * ratio) if target is None else target
    scale = np.float32(ratio)
    for _ in range(64):
        in_float = int(np.floor(scale * np.float32(size)))
        in_double = math.floor(float(scale) * size)
        if in_float == target and in_double == target:
            return float(scale)
        scale = np.nextafter(scale, np.float32(np.inf if max(in_float, in_double) <= target else 0.0))
    raise ValueError(f"no float32 scale resizes {size} to {target} pixels")


class _ResizeToFixed(torch.autograd.Function):
    """Bilinear resize of ``x`` to ``height x width`` for a fixed input size, exported as one ``Resize``
    by constant per-axis scales (``axis_scale``): no shape arithmetic for a folding tool to get wrong,
    and scales rather than sizes, which onnxruntime's CPU ``Resize`` runs faster (``UpsampleLike``)."""

    @staticmethod
    def forward(ctx: FunctionCtx, x: Tensor, height: int, width: int) -> Tensor:  # noqa: D102 - see class docstring
        return F.interpolate(x, size=(height, width), mode="bilinear", align_corners=False)

    @staticmethod
    def symbolic(g, x, height, width):  # noqa: ANN001, ANN205 - ONNX graph-building callback
        small_h, small_w = (int(n) for n in x.type().sizes()[2:])
        factors = [1.0, 1.0, axis_scale(small_h, height / small_h, height), axis_scale(small_w, width / small_w, width)]
        return resize_node(g, x, g.op("Constant", value_t=torch.tensor(factors, dtype=torch.float32)))


def downsample_fixed(x: Tensor, ratio: float) -> Tensor:
    """``x`` ``[B, C, H, W]`` bilinearly resized by ``ratio`` to ``floor(H*r) x floor(W*r)`` (as
    ``models.blocks.layers.downsample``), exported for a fixed frame size so that every runtime agrees on the
    output size (``_DownsampleBy``)."""
    return _DownsampleBy.apply(x, ratio)


def resize_node(g, x, scales, coordinates: str = "pytorch_half_pixel"):  # noqa: ANN001, ANN201 - ONNX helper
    """An ONNX ``Resize`` of ``x``: bilinear, by ``scales``, PyTorch's half-pixel coordinates by default."""
    roi = g.op("Constant", value_t=torch.tensor([], dtype=torch.float32))
    return g.op("Resize", x, roi, scales, coordinate_transformation_mode_s=coordinates,
                cubic_coeff_a_f=-0.75, mode_s="linear", nearest_mode_s="floor")


BLOCKED_CHANNELS = 16  # onnxruntime's widest channel block (AVX-512): a multiple of it is never padded
MAX_PERIOD = 16  # output rows per period of a rational scale p/q that the row pass handles (p)


def exact_scale(small: int, big: int) -> bool:
    """Whether onnxruntime resizes ``small`` to exactly ``big`` by the float32 scale ``big / small``
    (2, 3.75, 7.5 are exact; 8/3 is not and would also move its sampling grid)."""
    scale = float(torch.tensor(big / small, dtype=torch.float32))
    return scale * small == big


def stretch_width(x: Tensor, width: int) -> Tensor:
    """``x`` ``[B, C, h, w]`` resized to ``[B, C, h, width]`` (a float32-exact scale ``width / w``). For a
    whole-number scale, where ``C`` times a divisor ``g`` of ``h`` is a multiple of 16, the rows are
    regrouped as ``[B, C*g, h/g, w]`` (the resize treats rows alike) and pass an exact depthwise
    identity first, so that onnxruntime resizes in its blocked layout."""
    batch, channels, height, small = (int(n) for n in x.shape)
    groups = next((g for g in range(1, height + 1) if height % g == 0 and channels * g % BLOCKED_CHANNELS == 0), None)
    if width % small or groups is None or channels * groups > 8 * BLOCKED_CHANNELS:
        return _StretchWidth.apply(x, width, small)
    planes = x.reshape(batch, channels * groups, height // groups, small)
    identity = torch.ones(channels * groups, 1, 1, 1, dtype=x.dtype, device=x.device)
    wide = _StretchWidth.apply(F.conv2d(planes, identity, groups=channels * groups), width, small)
    return wide.reshape(batch, channels, height, width)


def row_weights(small: int, big: int) -> Optional[Tensor]:
    """The row pass of a bilinear ``small -> big`` upsampling (half-pixel centres) as a periodic filter:
    ``[p, q + 2]`` weights, where ``big / small = p / q`` in lowest terms, of input rows
    ``q*j - 1 .. q*j + q`` in output row ``p*j + r``. ``None`` when the period is too long
    (``p > MAX_PERIOD``), ``small`` is not a whole number of periods, or it is not an upsampling."""
    scale = Fraction(int(big), int(small))
    p, q = scale.numerator, scale.denominator
    if p > MAX_PERIOD or small % q or scale <= 1:
        return None
    weights = torch.zeros(p, q + 2, dtype=torch.float64)
    for r in range(p):
        source = Fraction(2 * r + 1, 2) * q / p - Fraction(1, 2)  # exactly, relative to input row q*j
        first = math.floor(source)
        weights[r, first + 1] += float(1 - (source - first))
        weights[r, first + 2] += float(source - first)
    return weights.float()


def tap_rows(batch: int, channels: int, first: int, count: int, height: int, q: int) -> Tensor:
    """``[B, count, height / q, q + 2]`` row indices into planes flattened to ``[B * channels * height, W]``:
    for each period ``j``, rows ``q*j - 1 .. q*j + q`` (clamped to the edge, as PyTorch clamps) of channels
    ``first..first+count-1``."""
    starts = torch.arange(height // q) * q - 1
    taps = (starts[:, None] + torch.arange(q + 2)[None, :]).clamp(0, height - 1)
    planes = torch.arange(batch)[:, None] * channels + torch.arange(first, first + count)[None, :]
    return planes[:, :, None, None] * height + taps[None, None]


def upsample_parts(low: Tensor, like: Tensor, parts: Sequence[int], fixed_shapes: bool) -> list[Tensor]:
    """Bilinear upsampling of ``low`` ``[B, C, h, w]`` to the size of ``like`` ``[B, *, H, W]``, returned
    as contiguous channel groups of sizes ``parts`` (summing to ``C``).

    With ``fixed_shapes``, a float32-exact width scale and a row scale of short period (whole numbers,
    and the ratios of the automatic rule: 15/4 at 1080p, 5/2 at 720p, 15/2 at 4K) it takes the two-pass
    route of the module docstring; otherwise one ``Resize`` (by constant scales with ``fixed_shapes``,
    by runtime scales without) and a split.
    """
    batch, channels, height, width = (int(n) for n in low.shape)
    big_h, big_w = int(like.shape[2]), int(like.shape[3])
    weights = row_weights(height, big_h) if fixed_shapes and exact_scale(width, big_w) else None
    if weights is None:
        whole = _ResizeToFixed.apply(low, big_h, big_w) if fixed_shapes else UpsampleLike.apply(low, like)
        return list(whole.split(list(parts), dim=1))
    window = weights.shape[1]
    wide = stretch_width(low, big_w).reshape(batch * channels * height, big_w)
    out, first = [], 0
    for count in parts:
        index = tap_rows(batch, channels, first, count, height, window - 2)
        taps = wide.index_select(0, index.flatten()).reshape(*index.shape, big_w)  # [B, c, periods, q+2, W]
        rows = torch.matmul(weights.to(low.dtype), taps)  # [B, c, periods, p, W]: output rows in order
        out.append(rows.reshape(batch, count, big_h, big_w))
        first += count
    return out
