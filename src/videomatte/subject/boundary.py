"""Subject boundaries at the frame's own resolution: where the chosen person meets another, the cut
follows the picture's colour edges instead of the tracker's working grid.

The tracker decides who owns each pixel at its working resolution (longest side 384), so scaled up
to a 1080p frame its cut between two people who touch is a staircase of 5-pixel steps, drawn without
looking at the picture. Here the cut is decided again, in the **contested band** only: the frame's
pixels within a few working pixels of the border between the subject's and the others' territory,
where the matte holds a person (elsewhere the weight is 0 or 1 and nothing changes).

In that band the upscaled weight is filtered by a guided filter (He, Sun and Tang, ECCV 2010) with
the frame's RGB as the guide: in every small window the weight is modelled as a linear function of
the colour, so where the two people's colours differ the transition lands on the colour edge between
them, and where they do not it falls back to a smoothed copy of the tracker's cut (no staircase
either way). Its coefficients are fitted at a coarser step and applied at full resolution (the fast
guided filter, He and Sun 2015), and the result is steepened so the cut between two bodies stays as
hard as an occlusion edge is.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from scipy import ndimage
from torch import Tensor

SETTLED = 0.005  # a working weight this near 0 or 1 is not on the border
TILE = 16  # working rows per strip the band is filtered in


@dataclass(frozen=True)
class BoundarySettings:
    """Tuning of the full-resolution cut (working-resolution pixels unless said otherwise).

    Attributes:
        band: half-width of the contested band around the tracker's border, in working pixels.
        radius: guided filter window radius, in working pixels (at least 1 frame pixel).
        eps: the filter's regulariser (colour variance, 0..1 units squared); smaller follows
            fainter edges.
        step: frame pixels per coefficient (the fast guided filter's subsampling); at most the
            scale from the working grid to the frame.
        gain: steepness of the cut after each pass (1 keeps the filter's soft transition).
        passes: filter passes, each on the last one's steepened cut (each moves it further onto the
            colour edge).
        person: working alpha above which a pixel holds a person (the band is kept to them).
    """

    band: float = 2.5
    radius: float = 1.5
    eps: float = 2e-3
    step: int = 4
    gain: float = 2.0
    passes: int = 2
    person: float = 0.02


def contested_band(weight: np.ndarray, alpha: np.ndarray, settings: BoundarySettings) -> np.ndarray:
    """Working pixels ``bool [h, w]`` whose owner is re-decided at full resolution: within
    ``settings.band`` of the border between the subject's territory and the others' (``weight``,
    ``float32 [h, w]`` in 0..1) and on or next to a person (``alpha`` above ``settings.person``)."""
    border = (weight > SETTLED) & (weight < 1 - SETTLED)
    if not border.any():
        return border
    reach = ndimage.distance_transform_edt(~border)
    person = ndimage.binary_dilation(alpha > settings.person, iterations=1)
    return (reach <= settings.band) & person


def refine_weight(weight: Tensor, band: np.ndarray, src: Tensor, settings: BoundarySettings) -> Tensor:
    """The weight ``[H, W]`` (0..1, the tracker's, scaled up) with its contested ``band`` (``bool
    [h, w]`` at working resolution) re-decided along the colour edges of the frame ``src`` ``[3, H,
    W]`` in 0..1. Outside the band it is returned unchanged.

    The band is visited in strips of :data:`TILE` working rows, each as wide as the band in them
    and filtered with enough of the frame around it for the filter's windows (of every pass), so the
    cost follows the band's length, not its bounding box."""
    if not band.any():
        return weight
    size, work = tuple(weight.shape), band.shape
    scale = size[0] / work[0], size[1] / work[1]
    radius = max(1, round(settings.radius * min(scale)))
    step = max(1, min(settings.step, int(min(scale))))
    pad = 2 * radius * settings.passes + 2 * step
    frame = src.float().cpu().numpy()
    out = weight.float().cpu().numpy().copy()
    rows_of, cols_of = _work_index(size[0], scale[0], work[0]), _work_index(size[1], scale[1], work[1])
    for strip in _strips(band):
        core = tuple(_frame_span(span, k, n) for span, k, n in zip(strip, scale, size))
        crop = tuple(slice(max(0, c.start - pad), min(n, c.stop + pad)) for c, n in zip(core, size))
        extend = [(max(0, pad - k.start), max(0, k.stop + pad - n)) for k, n in zip(core, size)]  # past the edge
        guide = _extend(frame[:, crop[0], crop[1]], extend)
        weights = _extend(out[crop][None], extend)[0]
        inner = tuple(slice(k.start - c.start + e[0], k.stop - c.start + e[0]) for k, c, e in zip(core, crop, extend))
        refined = fast_guided_filter(guide, weights, radius, settings, step, inner)
        inside = band[rows_of[core[0]][:, None], cols_of[core[1]][None, :]]
        out[core] = np.where(inside, refined, out[core])
    return torch.from_numpy(out).to(weight.device, weight.dtype)


def _extend(x: np.ndarray, widths: list[tuple[int, int]]) -> np.ndarray:
    """``x`` ``[C, h, w]`` continued past the frame's edge by ``widths`` (rows, then columns) by point
    reflection (``2 x[0] - x[k]``): the linear model between the guide and the weight, and a slanted
    cut, carry on as they are, so windows at the edge are not pulled aside."""
    if not any(a or b for a, b in widths):
        return x
    return np.pad(x, [(0, 0), *widths], mode="reflect", reflect_type="odd")


def _strips(band: np.ndarray) -> list[tuple[slice, slice]]:
    """The band's pieces in working pixels: per :data:`TILE` rows, each run of columns holding band
    pixels (runs less than :data:`TILE` apart joined), as ``(rows, columns)``."""
    strips = []
    for top in range(0, band.shape[0], TILE):
        rows = slice(top, min(top + TILE, band.shape[0]))
        columns = np.flatnonzero(band[rows].any(axis=0))
        if columns.size == 0:
            continue
        breaks = np.flatnonzero(np.diff(columns) > TILE)
        for first, last in zip(np.r_[0, breaks + 1], np.r_[breaks, columns.size - 1]):
            strips.append((rows, slice(int(columns[first]), int(columns[last]) + 1)))
    return strips


def _work_index(frame: int, scale: float, work: int) -> np.ndarray:
    """The working pixel under each frame pixel along one axis (nearest), ``int [frame]``."""
    return np.minimum(((np.arange(frame) + 0.5) / scale).astype(int), work - 1)


def _frame_span(span: slice, scale: float, limit: int) -> slice:
    """The frame pixels under the working pixels ``span`` along one axis."""
    return slice(min(limit, round(span.start * scale)), min(limit, round(span.stop * scale)))


def fast_guided_filter(guide: np.ndarray, p: np.ndarray, radius: int, settings: BoundarySettings, step: int = 1,
                       inner: tuple[slice, slice] | None = None) -> np.ndarray:
    """The steepened guided filter of ``p`` (``float32 [H, W]``) by the colour image ``guide``
    (``float32 [3, H, W]`` in 0..1), window radius ``radius`` frame pixels, over the frame pixels
    ``inner`` (default all). The linear model is fitted every ``step`` pixels; every pass but the last
    stays on that coarse grid, the last is applied to the full-resolution guide. ``float32``."""
    inner = inner or (slice(0, p.shape[0]), slice(0, p.shape[1]))
    coarse_guide, coarse = _shrink(guide, step), _shrink(p[None], step)[0]
    coarse_radius = max(1, round(radius / step))
    for _ in range(settings.passes - 1):
        model = guided_coefficients(coarse_guide, coarse, coarse_radius, settings.eps)
        coarse = _steepen(np.einsum("chw,chw->hw", model[:3], coarse_guide) + model[3], settings.gain)
    model = guided_coefficients(coarse_guide, coarse, coarse_radius, settings.eps)
    model = _enlarge(model, step, inner)
    fine = guide[:, inner[0], inner[1]]
    return _steepen(np.einsum("chw,chw->hw", model[:3], fine) + model[3], settings.gain)


def _steepen(q: np.ndarray, gain: float) -> np.ndarray:
    """The filtered weight made ``gain`` times steeper around 0.5 and clipped to 0..1 (an occlusion edge
    between two bodies is hard; the filter alone leaves it soft over its window)."""
    return np.clip((q - 0.5) * gain + 0.5, 0.0, 1.0).astype(np.float32)


def guided_coefficients(guide: np.ndarray, p: np.ndarray, radius: int, eps: float) -> np.ndarray:
    """The guided filter's window-averaged linear model ``q = a . I + b`` for the guide ``I`` ``float32
    [3, h, w]`` and the input ``p`` ``[h, w]``: ``[a_r, a_g, a_b, b]`` stacked, ``float32 [4, h, w]``.
    Each window's 3x3 colour covariance is inverted in closed form (its adjugate)."""
    r, g, b = guide
    planes = np.stack([r, g, b, p, r * r, r * g, r * b, g * g, g * b, b * b, r * p, g * p, b * p])
    mr, mg, mb, mp, rr, rg, rb, gg, gb, bb, rp, gp, bp = _box(planes, radius)
    s00, s01, s02 = rr - mr * mr + eps, rg - mr * mg, rb - mr * mb
    s11, s12, s22 = gg - mg * mg + eps, gb - mg * mb, bb - mb * mb + eps
    c0, c1, c2 = rp - mr * mp, gp - mg * mp, bp - mb * mp
    A00, A01, A02 = s11 * s22 - s12 * s12, s02 * s12 - s01 * s22, s01 * s12 - s02 * s11
    A11, A12, A22 = s00 * s22 - s02 * s02, s01 * s02 - s00 * s12, s00 * s11 - s01 * s01
    det = s00 * A00 + s01 * A01 + s02 * A02
    a0 = (A00 * c0 + A01 * c1 + A02 * c2) / det
    a1 = (A01 * c0 + A11 * c1 + A12 * c2) / det
    a2 = (A02 * c0 + A12 * c1 + A22 * c2) / det
    return _box(np.stack([a0, a1, a2, mp - a0 * mr - a1 * mg - a2 * mb]), radius)


def _box(planes: np.ndarray, radius: int) -> np.ndarray:
    """Mean of every plane of ``[C, h, w]`` over ``(2 radius + 1)^2`` windows (edge pixels repeated; the
    crops carry a margin for every pass and the frame's edge is continued by :func:`_extend`, so the
    edge mode only reaches pixels that are not kept)."""
    return ndimage.uniform_filter(planes, size=(1, 2 * radius + 1, 2 * radius + 1), mode="nearest")


def _shrink(x: np.ndarray, step: int) -> np.ndarray:
    """``x`` ``[C, H, W]`` averaged over ``step`` x ``step`` blocks (the edges padded by repeating)."""
    if step == 1:
        return x
    c, h, w = x.shape
    padded = np.pad(x, ((0, 0), (0, (-h) % step), (0, (-w) % step)), mode="edge")
    total = sum(padded[:, i::step, j::step] for i in range(step) for j in range(step))
    return total / np.float32(step * step)


def _enlarge(x: np.ndarray, step: int, inner: tuple[slice, slice]) -> np.ndarray:
    """``x`` ``[C, h, w]``, a grid of one value per ``step`` x ``step`` block, sampled bilinearly
    (block centres aligned, edges held) at the fine pixels ``inner`` (rows, columns)."""
    if step == 1:
        return x[:, inner[0], inner[1]]
    for axis, span in ((1, inner[0]), (2, inner[1])):
        n = x.shape[axis]
        at = np.clip((np.arange(span.start, span.stop) + 0.5) / step - 0.5, 0, n - 1)
        low = np.minimum(at.astype(int), max(n - 2, 0))
        frac = (at - low).astype(np.float32).reshape([-1 if a == axis else 1 for a in range(3)])
        x = np.take(x, low, axis=axis) * (1 - frac) + np.take(x, np.minimum(low + 1, n - 1), axis=axis) * frac
    return x
