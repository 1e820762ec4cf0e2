"""Person regions of a matte, and the geometry the subject tracker needs, on small numpy arrays.

Everything here works on the tracker's working resolution (longest side a few hundred pixels).
Owner maps are ``int32 [h, w]``: :data:`BACKGROUND` (0), :data:`OTHER` (1, a person not chosen) or a
track label (2, 3, ...: one per chosen person).
"""
from __future__ import annotations

import numpy as np
from scipy import ndimage

BACKGROUND, OTHER = 0, 1
FOUR_NEIGHBOURS = ndimage.generate_binary_structure(2, 1)


def person_regions(alpha: np.ndarray, threshold: float, min_area: int) -> tuple[np.ndarray, int]:
    """Connected components of ``alpha > threshold`` (4-connected), the ones below ``min_area`` pixels
    dropped; returns the label map ``int32 [h, w]`` (0 = none, 1..n) and ``n``."""
    labels, count = ndimage.label(alpha > threshold, structure=FOUR_NEIGHBOURS)
    if count == 0:
        return labels.astype(np.int32), 0
    areas = np.bincount(labels.ravel(), minlength=count + 1)
    keep = areas >= min_area
    keep[0] = False
    relabel = np.zeros(count + 1, np.int32)
    relabel[keep] = np.arange(1, int(keep.sum()) + 1)
    return relabel[labels], int(keep.sum())


def nearest_owner(owner: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For every pixel, the owner of the nearest owned pixel and the distance to it (pixels).

    Returns ``int32 [h, w]`` and ``float32 [h, w]``; all background and infinite distance when
    ``owner`` owns nothing.
    """
    if not owner.any():
        return np.zeros_like(owner), np.full(owner.shape, np.inf, np.float32)
    dist, (rows, cols) = ndimage.distance_transform_edt(owner == BACKGROUND, return_indices=True)
    return owner[rows, cols], dist.astype(np.float32)


def distance_to(mask: np.ndarray, reach: float) -> np.ndarray:
    """Distance (pixels) of every pixel to ``mask`` (non-empty), exact up to ``reach``, ``inf`` beyond
    the mask's bounding box grown by ``reach``; ``float32 [h, w]``."""
    rows, cols = np.nonzero(mask)
    grow = int(np.ceil(reach)) + 1
    r0, r1 = max(0, rows.min() - grow), min(mask.shape[0], rows.max() + grow + 1)
    c0, c1 = max(0, cols.min() - grow), min(mask.shape[1], cols.max() + grow + 1)
    out = np.full(mask.shape, np.inf, np.float32)
    out[r0:r1, c0:c1] = ndimage.distance_transform_edt(~mask[r0:r1, c0:c1])
    return out


def split_side_by_side(region: np.ndarray, depth: float = 0.25, min_width: float = 0.15) -> list[np.ndarray]:
    """Cut a region holding several upright people standing side by side into one part per person.

    The region's skyline (its top row in each column) dips between two heads down to where the
    shoulders meet. The deepest dip, measured below the lower of the highest points on either side,
    is cut (vertically) when it is at least ``depth`` x the region's height and leaves both sides at
    least ``min_width`` x that height wide; each side is cut again the same way.

    Args:
        region: ``bool [h, w]``, one connected region.

    Returns:
        ``bool [h, w]`` masks, left to right, whose union is ``region``.
    """
    rows, cols = np.nonzero(region)
    if rows.size == 0:
        return []
    first, last = int(cols.min()), int(cols.max())
    top = np.full(last - first + 1, np.inf)
    np.minimum.at(top, cols - first, rows)
    top = ndimage.median_filter(top, size=max(3, top.size // 50) | 1, mode="nearest")
    height = float(rows.max() - top.min() + 1)
    margin = int(np.ceil(min_width * height))
    if top.size < 2 * margin + 1:
        return [region]
    left_peak = np.minimum.accumulate(top)
    right_peak = np.minimum.accumulate(top[::-1])[::-1]
    dip = top - np.maximum(left_peak, right_peak)
    dip[:margin] = dip[top.size - margin:] = -np.inf
    cut = int(np.argmax(dip))
    if dip[cut] < depth * height:
        return [region]
    left, right = region.copy(), region.copy()
    left[:, first + cut:] = False
    right[:, :first + cut] = False
    return split_side_by_side(left, depth, min_width) + split_side_by_side(right, depth, min_width)


def attach_fragments(parts: list[np.ndarray], share: float, reach: float) -> list[np.ndarray]:
    """Join every part smaller than ``share`` x the largest one to the nearest bigger part within
    ``reach`` pixels (a hand or a tool the threshold cut off); returns the people, ``bool [h, w]`` each."""
    if not parts:
        return []
    areas = [int(np.count_nonzero(p)) for p in parts]
    big = [i for i, a in enumerate(areas) if a >= share * max(areas)]
    people = {i: parts[i].copy() for i in big}
    distances = {i: distance_to(parts[i], reach) for i in big}
    for i, part in enumerate(parts):
        if i in people:
            continue
        gap, nearest = min((float(distances[j][part].min()), j) for j in big)
        if gap <= reach:
            people[nearest] |= part
        else:
            people[i] = part
    return [people[i] for i in sorted(people)]


def touching_labels(owner: np.ndarray) -> set[int]:
    """Labels of ``owner`` that touch (4-neighbours) a different non-background label."""
    found: set[int] = set()
    for a, b in ((owner[:, 1:], owner[:, :-1]), (owner[1:, :], owner[:-1, :])):
        contact = (a != b) & (a != BACKGROUND) & (b != BACKGROUND)
        found.update(np.unique(a[contact]).tolist(), np.unique(b[contact]).tolist())
    return found


def fit_shifts(masks: list[np.ndarray], region: np.ndarray, step: int = 2) -> list[tuple[int, int]]:
    """Small moves (at most ``step`` pixels each way) of the expected ``masks`` of the people inside
    one merged ``region`` whose union covers it best (intersection over union; two rounds of one
    person at a time, ties keep the expected place). Returns ``(dx, dy)`` per mask."""
    rows, cols = np.nonzero(region | np.logical_or.reduce(masks))
    r0, c0 = max(0, rows.min() - step), max(0, cols.min() - step)
    window = (slice(r0, rows.max() + step + 1), slice(c0, cols.max() + step + 1))
    target, local = region[window], [m[window] for m in masks]
    moves = [(0, 0)] * len(masks)
    candidates = [(0, 0)] + [(dx, dy) for dy in range(-step, step + 1) for dx in range(-step, step + 1) if dx or dy]
    for _ in range(2):
        for i in range(len(masks)):
            rest = np.zeros_like(target)
            for j, mask in enumerate(local):
                if j != i:
                    rest |= shift(mask, *moves[j])
            def score(move: tuple[int, int]) -> float:
                union = rest | shift(local[i], *move)
                return np.count_nonzero(union & target) / max(1, np.count_nonzero(union | target))
            moves[i] = max(candidates, key=score)
    return moves


def centroid(mask: np.ndarray) -> np.ndarray:
    """``(x, y)`` mean position of a non-empty ``bool [h, w]`` mask, ``float64 [2]``."""
    rows, cols = np.nonzero(mask)
    return np.array([cols.mean(), rows.mean()])


def shift(mask: np.ndarray, dx: int, dy: int) -> np.ndarray:
    """``mask`` moved by whole pixels (what leaves the frame is lost, what enters is False)."""
    out = np.zeros_like(mask)
    h, w = mask.shape
    if abs(dx) >= w or abs(dy) >= h:
        return out
    src = mask[max(0, -dy):h - max(0, dy), max(0, -dx):w - max(0, dx)]
    out[max(0, dy):max(0, dy) + src.shape[0], max(0, dx):max(0, dx) + src.shape[1]] = src
    return out


def feathered_territory(owner: np.ndarray, labels: np.ndarray, sigma: float) -> np.ndarray:
    """Weight ``float32 [h, w]`` in 0..1: 1 where the nearest person is one of ``labels``, 0 where it
    is another, blurred by ``sigma`` pixels across the border between the two."""
    territory, _ = nearest_owner(owner)
    weight = np.isin(territory, labels).astype(np.float32)
    if sigma > 0 and 0 < weight.mean() < 1:
        weight = ndimage.gaussian_filter(weight, sigma, mode="nearest", truncate=3.0)
    return weight
