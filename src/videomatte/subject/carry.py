"""Ownership carried from the previous frame by each pixel's own motion, for people who overlap.

Inside a merged region, where the colour models cannot tell two people apart (the back person's arm
in shadow, dark like both people's hair and shadows), the tracker used to give the pixel to the one
in front: their shape from before the merge, carried on by one velocity for the whole person, goes
stale as arms and legs move. Here each pixel of the region is matched instead against the previous
frame: for every person, the best match of the pixel's neighbourhood (a small patch of the frame's
colours at working resolution) among the previous frame's pixels that person owned, near where that
person's motion brings them from (their velocity, give or take a few pixels: a swinging arm). When one
person's match is clearly the better one, the pixel was theirs and has moved with them: it goes to
them where two expected masks overlap (instead of to the one in front), and, on a stricter margin and
only where every person has a match, where one expected mask or none holds it (instead of the nearest).
"""
from __future__ import annotations

import numpy as np
from scipy import ndimage

UNMATCHED = np.float32(np.inf)


def match_costs(previous: np.ndarray, current: np.ndarray, owner: np.ndarray, labels: list[int],
                velocities: list[np.ndarray], slices: tuple, search: int = 2, patch: int = 1) -> np.ndarray:
    """Per person, how well each pixel of the box ``slices`` matches what that person owned a frame ago.

    Args:
        previous, current: the two frames' colours at working resolution, ``float32 [h, w, 3]`` in 0..1.
        owner: the previous frame's owner map ``int32 [h, w]``.
        labels: the people (owner labels) to match against; ``velocities`` their ``(dx, dy)`` per frame.
        slices: the box (rows, columns) of the pixels to match.
        search: pixels around each person's own motion tried for each pixel.
        patch: half the side of the square of colours compared (mean squared difference).

    Returns:
        ``float32 [K, rows, cols]``: the lowest mean squared colour difference (0..3) over the shifts
        where the previous pixel belonged to that person; ``inf`` where none did.
    """
    h, w = owner.shape
    rows, cols = slices
    costs = np.full((len(labels), rows.stop - rows.start, cols.stop - cols.start), UNMATCHED, np.float32)
    grow = patch
    r0, r1 = max(0, rows.start - grow), min(h, rows.stop + grow)
    c0, c1 = max(0, cols.start - grow), min(w, cols.stop + grow)
    here = current[r0:r1, c0:c1]
    inner = (slice(rows.start - r0, rows.stop - r0), slice(cols.start - c0, cols.stop - c0))
    for index, (label, velocity) in enumerate(zip(labels, velocities)):
        vx, vy = (int(v) for v in np.round(velocity))
        for dy in range(vy - search, vy + search + 1):
            for dx in range(vx - search, vx + search + 1):
                before = _shifted(previous, r0 - dy, r1 - dy, c0 - dx, c1 - dx)
                theirs = _shifted(owner, r0 - dy, r1 - dy, c0 - dx, c1 - dx) == label
                if not theirs[inner].any():
                    continue
                difference = ((here - before) ** 2).sum(axis=2)
                cost = ndimage.uniform_filter(difference, 2 * patch + 1, mode="nearest")[inner]
                cost = np.where(theirs[inner], cost, UNMATCHED)
                np.minimum(costs[index], cost, out=costs[index])
    return costs


def reachable(owner: np.ndarray, labels: list[int], velocities: list[np.ndarray], slices: tuple,
              search: int = 2) -> np.ndarray:
    """Whether :func:`match_costs` finds any match for each person at each pixel of the box ``slices``
    (a pixel they owned within ``search`` of where their motion brings it from): ``bool [K, rows,
    cols]``, without matching any colours (so that only the pixels that can be carried are)."""
    rows, cols = slices
    out = []
    for label, velocity in zip(labels, velocities):
        vx, vy = (int(v) for v in np.round(velocity))
        near = ndimage.maximum_filter(owner == label, 2 * search + 1, mode="constant")
        out.append(_shifted(near, rows.start - vy, rows.stop - vy, cols.start - vx, cols.stop - vx))
    return np.stack(out)


def _shifted(image: np.ndarray, r0: int, r1: int, c0: int, c1: int) -> np.ndarray:
    """``image[r0:r1, c0:c1]`` with whatever lies outside the image read as zeros."""
    h, w = image.shape[:2]
    out = np.zeros((r1 - r0, c1 - c0) + image.shape[2:], image.dtype)
    a0, a1, b0, b1 = max(0, r0), min(h, r1), max(0, c0), min(w, c1)
    if a0 < a1 and b0 < b1:
        out[a0 - r0:a1 - r0, b0 - c0:b1 - c0] = image[a0:a1, b0:b1]
    return out


def carried(costs: np.ndarray, ratio: float, floor: float = 1e-3) -> tuple[np.ndarray, np.ndarray]:
    """Whose each pixel was, from :func:`match_costs`: the index of the best match ``int [h, w]``, and
    whether it is clear ``bool [h, w]`` (its cost under ``ratio`` times every other person's, both
    counted from a ``floor`` of noise)."""
    order = np.sort(costs, axis=0)
    clear = np.isfinite(order[0]) & (order[0] + floor < ratio * (order[1] + floor))
    return np.argmin(costs, axis=0), clear


def wanted(open_: np.ndarray, inside: np.ndarray, reach: np.ndarray, single: float | None) -> np.ndarray:
    """The pixels :func:`carried_owners` may give (``bool [h, w]``): open ones where two expected masks
    overlap and, with ``single``, open ones elsewhere that every person can be matched at (``reach``:
    :func:`reachable`)."""
    count = inside.sum(axis=0)
    out = open_ & (count >= 2)
    if single is not None:
        out |= open_ & (count <= 1) & reach.all(axis=0)
    return out


def carried_owners(costs: np.ndarray, open_: np.ndarray, inside: np.ndarray, overlap: float,
                   single: float | None) -> tuple[np.ndarray, np.ndarray]:
    """Which pixels of a merged region go to the person they moved with, and to whom.

    Args:
        costs: :func:`match_costs`' result ``[K, h, w]``.
        open_: the pixels colour left open ``bool [h, w]``.
        inside: ``bool [K, h, w]``, whether each pixel lies inside each person's expected mask.
        overlap: the ratio (:func:`carried`) a match needs where two expected masks overlap.
        single: the stricter ratio where one expected mask or none holds the pixel (the geometry has
            an answer there); there every person must have a match (a person with none, say one
            moving into what was background, is no evidence against them); ``None``: left alone.

    Returns:
        the index of the person each pixel moved with ``int [h, w]``, and which pixels take it
        ``bool [h, w]``.
    """
    best, clear = carried(costs, overlap)
    count = inside.sum(axis=0)
    take = open_ & clear & (count >= 2)
    if single is not None:
        _, sure = carried(costs, single)
        take |= open_ & sure & (count <= 1) & np.isfinite(costs).all(axis=0)
    return best, take


def carry_split(frames: tuple[np.ndarray, np.ndarray, np.ndarray], labels: list[int],
                velocities: list[np.ndarray], slices: tuple, winner: np.ndarray, open_: np.ndarray,
                inside: np.ndarray, overlap: float, single: float | None, search: int = 2,
                patch: int = 1) -> np.ndarray:
    """A merged region's split ``winner`` (indices into ``labels``, ``[rows, cols]`` of the box
    ``slices``) with the pixels :func:`carried_owners` takes given to the person they moved with.

    ``frames``: the previous frame's and this frame's colours ``float32 [h, w, 3]`` and the previous
    owner map; ``open_``, ``inside``, ``overlap`` and ``single`` as in :func:`carried_owners`;
    ``search`` and ``patch`` as in :func:`match_costs`. Colours are matched only in the box around the
    pixels that can be taken (none, often: people side by side whose expected masks do not overlap).
    """
    previous, current, owner = frames
    reach = reachable(owner, labels, velocities, slices, search)
    rows, cols = np.nonzero(wanted(open_, inside, reach, single))
    if rows.size == 0:
        return winner
    box = (slice(rows.min(), rows.max() + 1), slice(cols.min(), cols.max() + 1))
    inner = tuple(slice(b.start + a.start, b.stop + a.start) for a, b in zip(slices, box))
    costs = match_costs(previous, current, owner, labels, velocities, inner, search, patch)
    best, take = carried_owners(costs, open_[box], inside[(slice(None), *box)], overlap, single)
    out = winner.copy()
    out[box] = np.where(take, best, winner[box])
    return out
