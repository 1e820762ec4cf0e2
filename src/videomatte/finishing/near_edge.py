"""Where a matte can change under a local operation: the pieces of the frame near its edges.

Shrink moves alpha by a few pixels; a pixel whose neighbourhood of that reach holds one value only
(the solid inside of a person, the empty background: most of a frame) keeps it. So the frame is cut
into strips of :data:`STRIP` rows, and in each strip into runs of columns holding a pixel whose
right or lower neighbour differs (found by two comparisons over the frame in NumPy), widened by the
reach; only those pieces are worked on, each with a margin of context around it.
"""
from __future__ import annotations

import numpy as np
from torch import Tensor

STRIP = 128  # frame rows per strip (64: 20-25 % slower at 1080p, per-piece overheads; 256: no faster)


def edge_pieces(alpha: Tensor, reach: int, gap: int) -> list[tuple[slice, slice]]:
    """``(rows, columns)`` of the pieces of ``alpha`` ``[H, W]`` (CPU) holding every pixel within
    ``reach`` pixels (along rows and columns) of a pixel whose value differs from a neighbour's.
    Runs of columns less than ``gap`` apart are joined (their margins would overlap anyway)."""
    values = alpha.detach().contiguous().numpy()
    height, width = values.shape
    across = values[:, 1:] != values[:, :-1]  # [H, W - 1]: pixel j differs from j + 1
    down = values[1:] != values[:-1]  # [H - 1, W]: row i differs from i + 1
    pieces = []
    for top in range(0, height, STRIP):
        rows = slice(top, min(height, top + STRIP))
        near = slice(max(0, top - reach - 1), min(height, top + STRIP + reach))
        changed = np.zeros(width, bool)
        changed[:-1] |= across[near].any(axis=0)
        changed[1:] |= across[near].any(axis=0)
        changed |= down[near.start:max(near.start, near.stop - 1)].any(axis=0)
        for first, last in _runs(np.flatnonzero(changed), gap):
            pieces.append((rows, slice(max(0, first - reach), min(width, last + reach + 1))))
    return pieces


def _runs(columns: np.ndarray, gap: int) -> list[tuple[int, int]]:
    """First and last of each run of ``columns`` (ascending) whose neighbours are less than ``gap``
    apart."""
    if columns.size == 0:
        return []
    breaks = np.flatnonzero(np.diff(columns) >= gap)
    return [(int(columns[a]), int(columns[b])) for a, b in zip(np.r_[0, breaks + 1], np.r_[breaks, columns.size - 1])]
