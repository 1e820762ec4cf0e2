"""Despill: the person's own colours in the soft edge of the matte, not the old background's.

Where ``0 < alpha < 1`` a pixel mixes the person and the background, ``I = a F + (1 - a) B``; the
network's foreground there keeps much of the background (the "green halo" over a new background).
:func:`despill` replaces the foreground of those pixels by Forte and Pitié's blur-fusion estimate
("Approximate fast foreground colour estimation", ICIP 2021), written here from the paper: local means of
the foreground and background colours, weighted by alpha and 1 - alpha, then the residual of the
matting equation put back in proportion to alpha; once with a wide window, then twice more with
narrower ones, each averaging the last pass's estimates of the foreground and of the background.
Alpha is never changed.

What makes it cheap: the passes only need local means, which are smooth, so they run on every
``factor``-th pixel of the frame (about 480 pixels on the longer side; the wide one on a frame shrunk
further, to about 160), the narrow ones on the soft band's bounding box only, as running sums whose
cost does not depend on the radius. Full-resolution pixels are touched only where the band is: one
NumPy pass over alpha finds the soft pixels (:mod:`videomatte.finishing.band`), and the last step,
the matting equation's residual, runs on them alone (about 2-3 % of a frame with people), gathered
and written back by flat index, with the means read there bilinearly.
Measured in ``docs/quality.md``.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

from videomatte.finishing.band import soft_pixels
from videomatte.finishing.blur import box_blur, box_sum

WORK_SIDE = 480  # the means are computed on frames subsampled to about this longer side
WIDE_SIDE = 160  # the wide pass runs on frames shrunk to about this
RADIUS_SIDE = 640  # the window radii are in pixels of a frame this long (the paper's 90 and 6)
WIDE_RADIUS = 90
NARROW_RADIUS = 6
FINE_RADIUS = 2  # a third pass, finer still (docs/quality.md: the band error 0.46x of the network's, was 0.51x)
_TINY = 1e-5


def despill(src: Tensor, fgr: Tensor, pha: Tensor, inplace: bool = False) -> Tensor:
    """The foreground with its soft edge decontaminated.

    Args:
        src: input frames ``[T, 3, H, W]`` in 0..1.
        fgr: the network's foreground ``[T, 3, H, W]`` in 0..1 (kept where alpha is solid).
        pha: alpha ``[T, 1, H, W]`` in 0..1.
        inplace: write into ``fgr`` instead of a copy (saves a full-frame copy; a non-contiguous
            ``fgr`` is copied all the same).

    Returns:
        ``[T, 3, H, W]`` in 0..1 (a new tensor unless ``inplace``), equal to ``fgr`` where
        ``alpha <= 1/255`` or ``alpha >= 1 - 1/255``; ``fgr`` itself when no pixel is soft.
    """
    out = fgr
    for t in range(src.shape[0]):
        where = soft_pixels(pha[t, 0])
        if where[0].numel() == 0:
            continue
        if out is fgr and not (inplace and fgr.is_contiguous()):
            out = fgr.clone(memory_format=torch.contiguous_format)
        _despill_frame(src[t], pha[t], out[t].view(-1), where)
    return out


def _despill_frame(src: Tensor, pha: Tensor, out: Tensor, where: tuple[Tensor, Tensor, Tensor]) -> None:
    """Write the estimate for the soft pixels ``where`` (flat indices, rows, columns, ``[N]`` each)
    of one frame (``src`` ``[3, H, W]``, ``pha`` ``[1, H, W]``) into ``out`` ``[3 * H * W]``."""
    height, width = src.shape[-2:]
    flat, rows, cols = where
    factor = max(1, round(max(height, width) / WORK_SIDE))
    grid = (..., slice(factor // 2, None, factor), slice(factor // 2, None, factor))
    work_src, work_pha = src[grid].float().contiguous(), pha[grid].float().contiguous()
    scale = max(work_src.shape[-2:]) / RADIUS_SIDE  # the passes' windows, and one pixel for the bilinear read
    margin = sum(max(1, round(r * scale)) for r in (NARROW_RADIUS, FINE_RADIUS)) + 2
    box = (_span(rows, factor, margin, work_src.shape[-2]), _span(cols, factor, margin, work_src.shape[-1]))
    fg_mean, bg_mean = _sample(_means(work_src, work_pha, box), rows, cols, factor, box)
    channels = (flat + torch.arange(3).view(3, 1) * (height * width)).view(-1)  # the pixels in each plane
    image = src.reshape(-1).index_select(0, channels).view(3, -1).float()
    alpha = pha.reshape(-1).index_select(0, flat).view(1, -1).float()
    out.index_copy_(0, channels, _fuse(image, alpha, fg_mean, bg_mean).view(-1).to(out.dtype))


def _span(index: Tensor, factor: int, margin: int, size: int) -> slice:
    """The working pixels from the first to the last of ``index`` (frame pixels), ``margin`` more
    each side, kept in the working frame of ``size`` pixels."""
    first, last = int(index.min()) // factor, int(index.max()) // factor
    return slice(max(0, first - margin), min(size, last + margin + 1))


def _means(src: Tensor, pha: Tensor, box: tuple[slice, slice]) -> Tensor:
    """The last pass's foreground and background means ``[1, 6, h, w]`` over the working pixels
    ``box`` of the working frame (``src`` ``[3, ., .]``, ``pha`` ``[1, ., .]``)."""
    scale = max(src.shape[-2:]) / RADIUS_SIDE
    fg_mean, bg_mean = _wide_means(src[None], pha[None], WIDE_RADIUS * scale, box)
    image, alpha = src[(slice(None), *box)][None], pha[(slice(None), *box)][None]
    for radius in (NARROW_RADIUS, FINE_RADIUS):
        fg_mean, bg_mean = _narrow_means(image, alpha, fg_mean, bg_mean, max(1, round(radius * scale)))
    return torch.cat([fg_mean, bg_mean], 1)


def _narrow_means(image: Tensor, alpha: Tensor, fg_mean: Tensor, bg_mean: Tensor, radius: int) -> tuple[Tensor, Tensor]:
    """One more pass: the estimates of the foreground and of the background made from the last means
    (``[1, 3, h, w]`` each, with ``image`` and ``alpha`` ``[1, 1, h, w]``), averaged again in a
    ``(2r+1)^2`` window, weighted by alpha and 1 - alpha."""
    residual = image - alpha * fg_mean - (1 - alpha) * bg_mean
    planes = torch.empty(1, 7, *alpha.shape[-2:], dtype=alpha.dtype)
    planes[:, :1] = alpha
    torch.addcmul(fg_mean, alpha, residual, out=planes[:, 1:4]).clamp_(0, 1).mul_(alpha)
    opacity = 1 - alpha
    torch.addcmul(bg_mean, opacity, residual, out=planes[:, 4:]).clamp_(0, 1).mul_(opacity)
    sums = box_sum(planes, radius)
    count = _window_count(alpha.shape[-2], radius)[:, None] * _window_count(alpha.shape[-1], radius)
    return sums[:, 1:4] / (sums[:, :1] + _TINY), sums[:, 4:] / (count - sums[:, :1] + _TINY)


def _window_count(size: int, radius: int) -> Tensor:
    """Pixels of a ``2r+1`` window around each of ``size`` positions that lie inside (``float32``)."""
    index = torch.arange(size)
    return ((index + radius + 1).clamp(max=size) - (index - radius).clamp(min=0)).float()


def _sample(means: Tensor, rows: Tensor, cols: Tensor, factor: int, box: tuple[slice, slice]) -> tuple[Tensor, Tensor]:
    """``means`` ``[1, 6, h, w]`` (the working pixels ``box``) read bilinearly at the frame pixels
    ``rows``, ``cols`` (``[N]`` each); returns two ``[3, N]``."""
    height, width = means.shape[-2:]
    x = ((cols.to(means.dtype) + 0.5) / factor - 0.5 - box[1].start) * (2 / max(width - 1, 1)) - 1
    y = ((rows.to(means.dtype) + 0.5) / factor - 0.5 - box[0].start) * (2 / max(height - 1, 1)) - 1
    grid = torch.stack([x, y], -1).view(1, 1, -1, 2)
    values = F.grid_sample(means, grid, mode="bilinear", padding_mode="border", align_corners=True)[0, :, 0]
    return values[:3], values[3:]


def _local_means(fg: Tensor, bg: Tensor, alpha: Tensor, radius: int) -> tuple[Tensor, Tensor]:
    """Alpha-weighted mean of ``fg`` and (1 - alpha)-weighted mean of ``bg`` in a ``(2r+1)^2`` window."""
    sums = box_blur(torch.cat([alpha, fg * alpha, bg * (1 - alpha)], 1), radius)
    weight = sums[:, :1]
    return sums[:, 1:4] / (weight + _TINY), sums[:, 4:] / (1 - weight + _TINY)


def _fuse(image: Tensor, alpha: Tensor, fg_mean: Tensor, bg_mean: Tensor) -> Tensor:
    """The local foreground mean corrected by the matting equation's residual, weighted by alpha."""
    residual = image - alpha * fg_mean - (1 - alpha) * bg_mean
    return residual.mul_(alpha).add_(fg_mean).clamp_(0, 1)


def _wide_means(src: Tensor, pha: Tensor, radius: float, box: tuple[slice, slice]) -> tuple[Tensor, Tensor]:
    """The wide window's foreground and background means at the working pixels ``box`` of ``src``
    ``[1, 3, h, w]``, computed on the frame shrunk to about :data:`WIDE_SIDE` pixels and brought back by
    bilinear interpolation (of the shrunk pixels around the box only)."""
    factor = max(1, round(max(src.shape[-2:]) / WIDE_SIDE))
    if factor == 1:
        fg_mean, bg_mean = _local_means(src, src, pha, max(1, round(radius)))
        return fg_mean[(..., *box)], bg_mean[(..., *box)]
    small_src = F.avg_pool2d(src, factor, ceil_mode=True)
    small_pha = F.avg_pool2d(pha, factor, ceil_mode=True)
    fg_mean, bg_mean = _local_means(small_src, small_src, small_pha, max(1, round(radius / factor)))
    both, crop = torch.cat([fg_mean, bg_mean], 1), []
    for dim, span in ((-2, box[0]), (-1, box[1])):  # shrunk pixels under the box, one more each side
        first, last = max(0, span.start // factor - 1), min(both.shape[dim], (span.stop - 1) // factor + 2)
        both = both.narrow(dim, first, last - first)
        crop.append(slice(span.start - first * factor, span.stop - first * factor))
    size = (both.shape[-2] * factor, both.shape[-1] * factor)
    both = F.interpolate(both, size=size, mode="bilinear", align_corners=False)[(..., *crop)]
    return both[:, :3], both[:, 3:]
