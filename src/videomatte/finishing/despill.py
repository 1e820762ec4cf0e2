"""Despill: the person's own colours in the soft edge of the matte, not the old background's.

Where ``0 < alpha < 1`` a pixel mixes the person and the background, ``I = a F + (1 - a) B``; the
network's foreground there keeps much of the background (the "green halo" over a new background).
:func:`despill` replaces the foreground of those pixels by Forte and Pitié's blur-fusion estimate
("Approximate fast foreground colour estimation", ICIP 2021), written here from the paper: local means of
the foreground and background colours, weighted by alpha and 1 - alpha, then the residual of the
matting equation put back in proportion to alpha; once with a wide window, once more with a narrow
one seeded by the first. Alpha is never changed.

What makes it cheap: both passes only need local means, which are smooth, so they run on every
``factor``-th pixel of the frame (about 640 pixels on the longer side; the wide one on a frame shrunk
further, to about 160), the narrow one on the soft band's bounding box only, as running-sum box blurs
whose cost does not depend on the radius; only the last step, the matting equation's residual, runs at
full resolution, and only on the soft pixels (about 2-3 % of a frame with people), with the means read
there bilinearly. Measured in ``docs/quality.md``.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

from videomatte.finishing.blur import box_blur

SOFT = 1 / 255  # alpha within this of 0 or 1 counts as solid: its colour cannot show a rim
WORK_SIDE = 640  # the means are computed on frames subsampled to about this longer side
WIDE_SIDE = 160  # the wide pass runs on frames shrunk to about this
WIDE_RADIUS = 90  # window radii in pixels of a frame WORK_SIDE long (the paper's 90 and 6)
NARROW_RADIUS = 6
_TINY = 1e-5


def despill(src: Tensor, fgr: Tensor, pha: Tensor, inplace: bool = False) -> Tensor:
    """The foreground with its soft edge decontaminated.

    Args:
        src: input frames ``[T, 3, H, W]`` in 0..1.
        fgr: the network's foreground ``[T, 3, H, W]`` in 0..1 (kept where alpha is solid).
        pha: alpha ``[T, 1, H, W]`` in 0..1.
        inplace: write into ``fgr`` instead of a copy (saves a full-frame copy).

    Returns:
        ``[T, 3, H, W]`` in 0..1 (a new tensor unless ``inplace``), equal to ``fgr`` where
        ``alpha <= 1/255`` or ``alpha >= 1 - 1/255``; ``fgr`` itself when no pixel is soft.
    """
    soft = (pha[:, 0] - 0.5).abs_() < 0.5 - SOFT
    if not bool(soft.any()):
        return fgr
    out = fgr if inplace else fgr.clone()
    for t in range(src.shape[0]):
        where = torch.nonzero(soft[t], as_tuple=True)
        if where[0].numel():
            image, alpha = src[t, :, where[0], where[1]].float(), pha[t, :, where[0], where[1]].float()
            extent = (int(where[0].min()), int(where[0].max()), int(where[1].min()), int(where[1].max()))
            means = _means(src[t:t + 1].float(), pha[t:t + 1].float(), extent)
            fg_mean, bg_mean = _sample(means, where, src.shape[-2:])
            out[t, :, where[0], where[1]] = _fuse(image, alpha, fg_mean, bg_mean).to(fgr.dtype)
    return out


def _means(src: Tensor, pha: Tensor, extent: tuple[int, int, int, int]) -> Tensor:
    """The second pass's foreground and background means ``[1, 6, h, w]`` on the working frame (every
    ``factor``-th pixel: the windows average far more than they would lose), zero away from the soft
    band's bounding box ``extent`` (first and last row, first and last column at full resolution)."""
    factor = max(1, round(max(src.shape[-2:]) / WORK_SIDE))
    if factor > 1:
        grid = (..., slice(factor // 2, None, factor), slice(factor // 2, None, factor))
        src, pha = src[grid], pha[grid]
    scale = max(src.shape[-2:]) / WORK_SIDE
    narrow = max(1, round(NARROW_RADIUS * scale))
    wide_fg, wide_bg = _wide_means(src, pha, WIDE_RADIUS * scale)
    means = torch.zeros(1, 6, *src.shape[-2:], dtype=src.dtype, device=src.device)
    margin = narrow + 2
    top, bottom, left, right = (v // factor for v in extent)
    box = (..., slice(max(0, top - margin), bottom + margin + 1), slice(max(0, left - margin), right + margin + 1))
    image, alpha, wide_fg, wide_bg = src[box], pha[box], wide_fg[box], wide_bg[box]
    first = _fuse(image, alpha, wide_fg, wide_bg)
    sums = box_blur(torch.cat([alpha, first * alpha], 1), narrow)
    means[box] = torch.cat([sums[:, 1:] / (sums[:, :1] + _TINY), wide_bg], 1)  # the wide background is
    return means  # already smooth at the narrow window's scale: its mean there is itself


def _sample(means: Tensor, where: tuple[Tensor, Tensor], size: torch.Size) -> tuple[Tensor, Tensor]:
    """``means`` ``[1, 6, h, w]`` (a frame of ``size`` shrunk by a whole factor) read bilinearly at the
    full-resolution pixels ``where`` (rows, columns); returns two ``[3, N]``."""
    factor = max(1, round(max(size) / WORK_SIDE))
    height, width = means.shape[-2] * factor, means.shape[-1] * factor
    x = (where[1].to(means.dtype) + 0.5) / width * 2 - 1
    y = (where[0].to(means.dtype) + 0.5) / height * 2 - 1
    grid = torch.stack([x, y], -1).view(1, 1, -1, 2)
    values = F.grid_sample(means, grid, mode="bilinear", padding_mode="border", align_corners=False)[0, :, 0]
    return values[:3], values[3:]


def _local_means(fg: Tensor, bg: Tensor, alpha: Tensor, radius: int) -> tuple[Tensor, Tensor]:
    """Alpha-weighted mean of ``fg`` and (1 - alpha)-weighted mean of ``bg`` in a ``(2r+1)^2`` window."""
    sums = box_blur(torch.cat([alpha, fg * alpha, bg * (1 - alpha)], 1), radius)
    weight = sums[:, :1]
    return sums[:, 1:4] / (weight + _TINY), sums[:, 4:] / (1 - weight + _TINY)


def _fuse(image: Tensor, alpha: Tensor, fg_mean: Tensor, bg_mean: Tensor) -> Tensor:
    """The local foreground mean corrected by the matting equation's residual, weighted by alpha."""
    residual = image - alpha * fg_mean - (1 - alpha) * bg_mean
    return (fg_mean + alpha * residual).clamp_(0, 1)


def _wide_means(src: Tensor, pha: Tensor, radius: float) -> tuple[Tensor, Tensor]:
    """The wide window's foreground and background means on ``src``'s grid, computed on the frame
    shrunk to about :data:`WIDE_SIDE` pixels and brought back by bilinear interpolation."""
    height, width = src.shape[-2:]
    factor = max(1, round(max(height, width) / WIDE_SIDE))
    small_src = F.avg_pool2d(src, factor, ceil_mode=True) if factor > 1 else src
    small_pha = F.avg_pool2d(pha, factor, ceil_mode=True) if factor > 1 else pha
    fg_mean, bg_mean = _local_means(small_src, small_src, small_pha, max(1, round(radius / factor)))
    if factor == 1:
        return fg_mean, bg_mean
    size = (small_src.shape[-2] * factor, small_src.shape[-1] * factor)
    both = F.interpolate(torch.cat([fg_mean, bg_mean], 1), size=size, mode="bilinear", align_corners=False)
    return both[:, :3, :height, :width], both[:, 3:, :height, :width]
