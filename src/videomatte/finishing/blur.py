"""Box and Gaussian blurs of ``[N, C, H, W]`` tensors, the building blocks of despill and finishing.

The box blur is a running sum (two cumulative sums per axis), so its cost does not grow with the radius;
at the borders it averages only the pixels inside the picture (no padding colour leaks in).
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor


def _box_axis(x: Tensor, radius: int, dim: int) -> Tensor:
    """Mean over ``[i - radius, i + radius]`` along ``dim`` (clipped to the picture)."""
    size = x.shape[dim]
    radius = min(radius, size - 1)  # a wider window covers the whole axis anyway
    if radius <= 0:
        return x
    pad = [0, 0] * (x.ndim - 1 - dim % x.ndim) + [radius + 1, radius]  # zeros: sums clipped to the picture
    sums = F.pad(x, pad).cumsum(dim)  # sums[i + 2r + 1] - sums[i] = x[i - r .. i + r]
    window = sums.narrow(dim, 2 * radius + 1, size) - sums.narrow(dim, 0, size)
    index = torch.arange(size, device=x.device)
    count = ((index + radius + 1).clamp(max=size) - (index - radius).clamp(min=0)).to(x.dtype)
    shape = [1] * x.ndim
    shape[dim] = size
    return window.div_(count.view(shape))


def box_blur(x: Tensor, radius: int) -> Tensor:
    """Mean of the ``(2r+1) x (2r+1)`` square around each pixel of ``x`` ``[N, C, H, W]``; at the borders,
    the mean of the part of the square inside the picture."""
    return _box_axis(_box_axis(x, radius, -1), radius, -2)


def gaussian_blur(x: Tensor, sigma: float) -> Tensor:
    """``x`` ``[N, C, H, W]`` blurred by a Gaussian of ``sigma`` pixels (separable, kernel of 3 sigma
    each side, borders mirrored so that a flat picture stays flat)."""
    if sigma <= 0:
        return x
    radius = max(1, int(3 * sigma + 0.5))
    taps = torch.arange(-radius, radius + 1, device=x.device, dtype=x.dtype)
    kernel = torch.exp(-0.5 * (taps / sigma) ** 2)
    kernel = kernel / kernel.sum()
    n, c, h, w = x.shape
    flat = x.reshape(n * c, 1, h, w)
    pad_w, pad_h = min(radius, w - 1), min(radius, h - 1)
    if pad_w:
        flat = F.conv2d(F.pad(flat, (pad_w, pad_w, 0, 0), mode="reflect"),
                        kernel[radius - pad_w: radius + pad_w + 1].view(1, 1, 1, -1) /
                        kernel[radius - pad_w: radius + pad_w + 1].sum())
    if pad_h:
        flat = F.conv2d(F.pad(flat, (0, 0, pad_h, pad_h), mode="reflect"),
                        kernel[radius - pad_h: radius + pad_h + 1].view(1, 1, -1, 1) /
                        kernel[radius - pad_h: radius + pad_h + 1].sum())
    return flat.reshape(n, c, h, w)
