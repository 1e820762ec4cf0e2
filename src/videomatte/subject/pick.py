"""The first frame: which person regions a :class:`SubjectPrompt` points at."""
from __future__ import annotations

import numpy as np
from scipy import ndimage

from videomatte.errors import SubjectError
from videomatte.subject.prompt import SubjectPrompt

POINT_TOLERANCE = 0.02  # a point this near a person (fraction of the diagonal) still picks them
MOSTLY_INSIDE = 0.5     # a box or mask picks a person when this share of their region lies inside
PARTLY_INSIDE = 0.1     # a mask covering this share of a region (merged people) picks the covered part


def pick_people(prompt: SubjectPrompt, parts: list[np.ndarray], work: tuple[int, int],
                size: tuple[int, int], frame: int) -> list[np.ndarray]:
    """The chosen people, one ``bool [h, w]`` mask each (no person twice).

    Args:
        prompt: the user's points, box and/or mask, in input pixels or fractions.
        parts: the person regions of the frame at working resolution ``work = (h, w)``.
        size: the input frame size ``(H, W)``, to read the prompt and to word errors.
        frame: the frame number, for errors.

    Raises:
        SubjectError: a point, the box or the mask hits no person.
    """
    (h, w), (height, width) = work, size
    sx, sy = w / width, h / height
    chosen: list[np.ndarray] = []
    for point in prompt.points:
        x, y = point.pixels(width, height)
        chosen.append(_part_at(parts, ((x + 0.5) * sx - 0.5, (y + 0.5) * sy - 0.5), (sx, sy),
                               frame, f"point {point}"))
    if prompt.box is not None:
        x0, y0, x1, y1 = prompt.box.pixels(width, height)
        inside = np.zeros(work, bool)
        inside[int(y0 * sy):max(int(y0 * sy) + 1, round(y1 * sy)),
               int(x0 * sx):max(int(x0 * sx) + 1, round(x1 * sx))] = True
        chosen += _parts_inside(parts, inside, (sx, sy), frame, f"box {prompt.box}", split=False)
    mask = prompt.mask_at(w, h)
    if mask is not None:
        chosen += _parts_inside(parts, mask, (sx, sy), frame, "mask", split=True)
    unique: list[np.ndarray] = []
    for part in chosen:
        if not any(np.array_equal(part, seen) for seen in unique):
            unique.append(part)
    return unique


def _nearest(parts: list[np.ndarray], x: float, y: float, scale: tuple[float, float]):
    """The part nearest to ``(x, y)`` (working pixels): its index, distance and centroid in input pixels."""
    best = (None, np.inf, None)
    for index, part in enumerate(parts):
        rows, cols = np.nonzero(part)
        distances = np.hypot(cols - x, rows - y)
        if distances.min() < best[1]:
            best = (index, float(distances.min()), (cols.mean() / scale[0], rows.mean() / scale[1]))
    return best


def _part_at(parts: list[np.ndarray], xy: tuple[float, float], scale: tuple[float, float], frame: int,
             where: str) -> np.ndarray:
    x, y = xy
    h, w = parts[0].shape if parts else (0, 0)
    row, col = min(max(round(y), 0), max(h - 1, 0)), min(max(round(x), 0), max(w - 1, 0))
    for part in parts:
        if part[row, col]:
            return part
    index, distance, centre = _nearest(parts, x, y, scale)
    if index is not None and distance <= POINT_TOLERANCE * np.hypot(h, w):
        return parts[index]
    raise no_person(frame, where, centre, distance / min(scale))


def _parts_inside(parts: list[np.ndarray], inside: np.ndarray, scale: tuple[float, float], frame: int,
                  where: str, split: bool) -> list[np.ndarray]:
    picked = []
    for part in parts:
        share = np.count_nonzero(part & inside) / np.count_nonzero(part)
        if share >= MOSTLY_INSIDE:
            picked.append(part)
        elif split and share >= PARTLY_INSIDE:
            picked.append(part & inside)
    if not picked:
        y, x = ndimage.center_of_mass(inside)
        _, distance, centre = _nearest(parts, x, y, scale)
        raise no_person(frame, where, centre, distance / min(scale))
    return picked


def no_person(frame: int, where: str, nearest: tuple[float, float] | None, distance: float) -> SubjectError:
    """The one-line error for a prompt that hits no person (positions in input pixels)."""
    if nearest is None:
        return SubjectError(f"frame {frame}: the subject {where} hits no person (no person in the frame)")
    return SubjectError(f"frame {frame}: the subject {where} hits no person; the nearest person is around "
                        f"({nearest[0]:.0f}, {nearest[1]:.0f}), {distance:.0f} px away")
