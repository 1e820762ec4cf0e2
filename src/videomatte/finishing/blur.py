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


def box_sum(x: Tensor, radius: int) -> Tensor:
    """Sum of the pixels of the ``(2r+1) x (2r+1)`` square around each pixel of ``x`` ``[N, C, H, W]``
    that lie inside the picture (no normalisation: for ratios of two sums, which is all despill
    needs, the window's pixel count cancels, saving a pass). A new tensor."""
    return _sum_axis(_sum_axis(x, radius, -1), radius, -2)


def _sum_axis(x: Tensor, radius: int, dim: int) -> Tensor:
    """Sum over ``[i - radius, i + radius]`` along ``dim`` (clipped to the picture), from one
    cumulative sum read at shifted slices (no padded copy)."""
    size = x.shape[dim]
    radius = min(radius, size - 1)
    if radius <= 0:
        return x.clone()
    sums = x.cumsum(dim)
    out = torch.empty_like(sums)
    out.narrow(dim, 0, size - radius).copy_(sums.narrow(dim, radius, size - radius))  # upper end: i + r
    out.narrow(dim, size - radius, radius).copy_(sums.narrow(dim, size - 1, 1).expand_as(
        out.narrow(dim, size - radius, radius)))  # ... clipped at the end of the picture
    out.narrow(dim, radius + 1, size - radius - 1).sub_(sums.narrow(dim, 0, size - radius - 1))  # minus i - r - 1
    return out


def gaussian_blur(x: Tensor, sigma: float) -> Tensor:
    """``x`` ``[N, C, H, W]`` blurred by a Gaussian of ``sigma`` pixels (separable, kernel of 3 sigma
    each side, borders mirrored so that a flat picture stays flat)."""
    if sigma <= 0:
        return x
    radius = max(1, int(3 * sigma + 0.5))
    taps = torch.arange(-radius, radius + 1, dtype=torch.float64)
    kernel = torch.exp(-0.5 * (taps / sigma) ** 2)
    return _taps_axis(_taps_axis(x, kernel, -1), kernel, -2)


def _taps_axis(x: Tensor, kernel: Tensor, dim: int) -> Tensor:
    """``x`` convolved with the symmetric ``kernel`` along ``dim`` (mirrored borders, the kernel cut to
    the picture and renormalised). A sum of shifted slices: several times faster on the CPU than a
    one-channel ``conv2d``."""
    size = x.shape[dim]
    radius = min(len(kernel) // 2, size - 1)
    if radius == 0:
        return x
    kernel = kernel[len(kernel) // 2 - radius: len(kernel) // 2 + radius + 1]
    weights = (kernel / kernel.sum()).tolist()
    pad = [radius, radius, 0, 0] if dim % x.ndim == x.ndim - 1 else [0, 0, radius, radius]
    padded = F.pad(x, pad, mode="reflect")  # dim is one of the last two
    out = padded.narrow(dim, 0, size) * weights[0]
    for shift in range(1, 2 * radius + 1):
        out.add_(padded.narrow(dim, shift, size), alpha=weights[shift])
    return out
