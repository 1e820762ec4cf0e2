"""The refiner's bilinear upsampling of its coefficient planes, as onnxruntime runs it fastest.

At 1080p ratio 0.25 the upsampling of eight coefficient planes to full resolution was the most
expensive node of the exported graph: onnxruntime's CPU ``Resize`` is scalar and writes 16.6 M floats,
and the planes then had to be split into four tensors (another copy of the same size). When the scale is
an integer ``k`` (the usual case: 0.25, 0.125, 0.5) and shapes are fixed, the same bilinear weights are
applied in two passes instead:

1. along the width, with ``Resize`` at scales ``[1, 1, 1, k]`` on the small planes (a quarter of the
   work). Rows are independent here, so the planes are regrouped into a multiple of 16 channels and
   entered into onnxruntime's blocked layout by an exact identity, where the resize is vectorised;
2. along the height, per channel group, as a ``Gather`` of the three source rows each output row reads
   and one ``MatMul`` with the ``k x 3`` phase weights; output row ``k*i + p`` of
   ``[B, c, h, k, W]`` lands in place, so each group comes out contiguous and no split is needed.

Same values as ``F.interpolate(..., mode="bilinear", align_corners=False)`` up to float rounding.
"""
from __future__ import annotations

from typing import Optional, Sequence

import torch
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
    def forward(ctx: object, x: Tensor, like: Tensor) -> Tensor:  # noqa: D102 - see class docstring
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
    """Bilinear resize of ``x`` ``[B, C, h, w]`` to ``[B, C, h, k*w]`` (integer ``k``), exported as one
    ``Resize`` with constant scales (``half_pixel``: with the height unscaled it equals PyTorch's
    coordinates, and onnxruntime runs it in the blocked layout)."""

    @staticmethod
    def forward(ctx: object, x: Tensor, k: int) -> Tensor:  # noqa: D102 - see class docstring
        return F.interpolate(x, size=(x.shape[2], x.shape[3] * k), mode="bilinear", align_corners=False)

    @staticmethod
    def symbolic(g, x, k):  # noqa: ANN001, ANN205 - ONNX graph-building callback
        scales = g.op("Constant", value_t=torch.tensor([1.0, 1.0, 1.0, float(k)]))
        return resize_node(g, x, scales, coordinates="half_pixel")


def resize_node(g, x, scales, coordinates: str = "pytorch_half_pixel"):  # noqa: ANN001, ANN201 - ONNX helper
    """An ONNX ``Resize`` of ``x``: bilinear, by ``scales``, PyTorch's half-pixel coordinates by default."""
    roi = g.op("Constant", value_t=torch.tensor([], dtype=torch.float32))
    return g.op("Resize", x, roi, scales, coordinate_transformation_mode_s=coordinates,
                cubic_coeff_a_f=-0.75, mode_s="linear", nearest_mode_s="floor")


BLOCKED_CHANNELS = 16  # onnxruntime's widest channel block (AVX-512): a multiple of it is never padded


def stretch_width(x: Tensor, k: int) -> Tensor:
    """``x`` ``[B, C, h, w]`` resized to ``[B, C, h, k*w]``. Where ``C`` times a divisor ``g`` of ``h`` is a
    multiple of 16, the rows are regrouped as ``[B, C*g, h/g, w]`` (the resize treats rows alike) and
    pass an exact depthwise identity first, so that onnxruntime resizes in its blocked layout."""
    batch, channels, height, width = (int(n) for n in x.shape)
    groups = next((g for g in range(1, height + 1) if height % g == 0 and channels * g % BLOCKED_CHANNELS == 0), None)
    if groups is None or channels * groups > 8 * BLOCKED_CHANNELS:
        return _StretchWidth.apply(x, k)
    planes = x.reshape(batch, channels * groups, height // groups, width)
    identity = torch.ones(channels * groups, 1, 1, 1, dtype=x.dtype, device=x.device)
    wide = _StretchWidth.apply(F.conv2d(planes, identity, groups=channels * groups), k)
    return wide.reshape(batch, channels, height, width * k)


def integer_scale(small: int, big: int) -> Optional[int]:
    """``big / small`` when it is a whole number, else ``None`` (a plain ``int``: traced sizes become constants)."""
    small, big = int(small), int(big)
    return big // small if big % small == 0 else None


def phase_weights(k: int) -> Tensor:
    """``[k, 3]``: the weights of rows ``i-1, i, i+1`` in output row ``k*i + p`` of a ``k``-fold bilinear
    upsampling with half-pixel centres (``align_corners=False``)."""
    weights = torch.zeros(k, 3, dtype=torch.float64)
    for p in range(k):
        offset = (p + 0.5) / k - 0.5  # in (-0.5, 0.5): where output row k*i+p samples, relative to i
        side = 0 if offset < 0 else 2
        weights[p, side], weights[p, 1] = abs(offset), 1.0 - abs(offset)
    return weights.float()


def tap_rows(batch: int, channels: int, first: int, count: int, height: int) -> Tensor:
    """``[B, count, height, 3]`` row indices into planes flattened to ``[B * channels * height, W]``:
    rows ``i-1, i, i+1`` (clamped to the edge, as PyTorch clamps) of channels ``first..first+count-1``."""
    rows = torch.arange(height)
    taps = torch.stack([(rows - 1).clamp(min=0), rows, (rows + 1).clamp(max=height - 1)], dim=1)
    planes = torch.arange(batch)[:, None] * channels + torch.arange(first, first + count)[None, :]
    return planes[:, :, None, None] * height + taps[None, None]


def upsample_parts(low: Tensor, like: Tensor, parts: Sequence[int], fixed_shapes: bool) -> list[Tensor]:
    """Bilinear upsampling of ``low`` ``[B, C, h, w]`` to the size of ``like`` ``[B, *, H, W]``, returned
    as contiguous channel groups of sizes ``parts`` (summing to ``C``).

    With ``fixed_shapes`` and whole-number scales ``H/h`` and ``W/w`` it takes the two-pass route of the
    module docstring; otherwise one ``Resize`` by runtime scales and a split.
    """
    batch, channels, height, width = (int(n) for n in low.shape)
    k_h = integer_scale(height, like.shape[2]) if fixed_shapes else None
    k_w = integer_scale(width, like.shape[3]) if fixed_shapes else None
    if k_h is None or k_w is None:
        return list(UpsampleLike.apply(low, like).split(list(parts), dim=1))
    wide = stretch_width(low, k_w).reshape(batch * channels * height, width * k_w)
    weights = phase_weights(k_h).to(low.dtype)
    out, first = [], 0
    for count in parts:
        index = tap_rows(batch, channels, first, count, height)
        taps = wide.index_select(0, index.flatten()).reshape(*index.shape, width * k_w)  # [B, c, h, 3, W]
        out.append(torch.matmul(weights, taps).reshape(batch, count, height * k_h, width * k_w))
        first += count
    return out
