"""Shot cuts found in a stream of frames, online and cheaply: the one detector every engine shares.

Each frame is summarised by a :class:`Signature` made from a strided sample of its pixels (about 128
on the long side, whatever the frame's size): a ``32 x 32`` gray thumbnail and a coarse colour
histogram. The change between two consecutive frames is the thumbnail difference after the best global
shift of up to ``SHIFT`` thumbnail pixels (so a pan costs little) plus the histogram distance (which
no motion inside the picture changes much). A cut is a change that is large in itself
(``CutSettings.sure``), or above ``floor`` and ``ratio`` times the shot's recent level of change (the
median of the last ``history`` changes), so that fast motion, which changes every frame a lot, is not
taken for one cut after another.

The decision at frame ``t`` uses frames ``t - history - 1 .. t`` only (:data:`CutDetector.lead_in`):
an engine that starts reading in the middle of a video (a cluster worker) decides exactly as one that
read it from the start, once it has fed that many frames before the first frame it decides on.
"""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

THUMB = 32   # thumbnail side: a cut changes the whole picture, motion changes only parts of it
SAMPLE = 128  # pixels on the long side of the strided sample a signature is made from
SHIFT = 4     # thumbnail pixels a pan may move the picture between two frames (of 32)
BINS = 4      # histogram bins per colour channel (64 in all; more bins only add sampling noise)


@dataclass(frozen=True)
class CutSettings:
    """When a change between consecutive frames is a cut (changes are in 0..2; see the module docstring).

    Attributes:
        floor: changes up to this are never a cut (fast motion inside a shot stays below it).
        sure: changes above this are always a cut (another scene altogether).
        ratio: between the two, a cut needs this many times the recent level of change.
        history: how many earlier changes make the recent level (their median).
        quiet: the lowest recent level used (a still shot would make any change a cut).
    """

    floor: float = 0.05
    sure: float = 0.3
    ratio: float = 2.5
    history: int = 8
    quiet: float = 0.02


@dataclass(frozen=True)
class Signature:
    """What the detector keeps of a frame: ``thumb`` gray ``float32 [h, w]`` (at most 32 x 32) in 0..1,
    ``hist`` ``float32 [BINS**3]`` summing to 1."""

    thumb: np.ndarray
    hist: np.ndarray


def _sample(picture: np.ndarray) -> np.ndarray:
    """Every n-th pixel of ``picture`` (``uint8``/``uint16`` ``[H, W, C]``), RGB in 0..1, ``float32``."""
    scale = 65535.0 if picture.dtype == np.uint16 else 255.0
    step = max(1, max(picture.shape[:2]) // SAMPLE)
    return picture[::step, ::step, :3].astype(np.float32) / scale


def _block_means(gray: np.ndarray, side: int) -> np.ndarray:
    height, width = gray.shape
    rows = np.linspace(0, height, min(side, height) + 1).astype(int)
    cols = np.linspace(0, width, min(side, width) + 1).astype(int)
    by_rows = np.add.reduceat(gray, rows[:-1], axis=0) / np.diff(rows)[:, None]
    return np.add.reduceat(by_rows, cols[:-1], axis=1) / np.diff(cols)[None, :]


def thumbnail(picture: np.ndarray) -> np.ndarray:
    """A ``THUMB x THUMB`` gray summary of a picture (``uint8``/``uint16`` ``[H, W, C]`` RGB), by block
    averages of a strided sample: ``float32`` in 0..1 (smaller pictures give a smaller thumbnail)."""
    return _block_means(_sample(picture).mean(axis=-1), THUMB)


def signature(picture: np.ndarray) -> Signature:
    """The :class:`Signature` of a ``uint8``/``uint16`` ``[H, W, C]`` RGB picture."""
    sample = _sample(picture)
    levels = np.minimum((sample * BINS).astype(np.int64), BINS - 1)
    codes = (levels[..., 0] * BINS + levels[..., 1]) * BINS + levels[..., 2]
    hist = np.bincount(codes.ravel(), minlength=BINS ** 3).astype(np.float32)
    return Signature(_block_means(sample.mean(axis=-1), THUMB), hist / hist.sum())


@lru_cache(maxsize=8)
def _overlaps(height: int, width: int, shift: int) -> tuple[np.ndarray, np.ndarray]:
    """For every shift ``(dy, dx)`` of up to ``shift`` each way: which pixels of an ``[height, width]``
    thumbnail have a partner in the other one (``float32 [S, S, H, W]``, S = 2 shift + 1), and how many."""
    moves = np.arange(-shift, shift + 1)
    rows = (moves[:, None] + np.arange(height) >= 0) & (moves[:, None] + np.arange(height) < height)  # [S, H]
    cols = (moves[:, None] + np.arange(width) >= 0) & (moves[:, None] + np.arange(width) < width)  # [S, W]
    inside = (rows[:, None, :, None] & cols[None, :, None, :]).astype(np.float32)
    return inside, inside.sum(axis=(2, 3))


def shifted_difference(before: np.ndarray, after: np.ndarray, shift: int = SHIFT) -> float:
    """Mean |after - before| of two thumbnails of one size, at the best shift of up to ``shift`` pixels
    each way (over the pixels the two share).

    Every shift at once (a frame's cost is a few array passes, not one small array operation per shift):
    ``moved[dy, dx, y, x]`` is ``before[y + dy - shift, x + dx - shift]``, zero outside, and ``inside``
    keeps only the pixels with a partner.
    """
    height, width = before.shape
    inside, counts = _overlaps(height, width, shift)
    moved = sliding_window_view(np.pad(before, shift), (height, width)).copy()
    moved -= after
    np.abs(moved, out=moved)
    moved *= inside
    sums = moved.reshape(counts.size, -1).sum(axis=1).reshape(counts.shape)
    shared = counts > 0
    return float((sums[shared] / counts[shared]).min())


def change(before: Signature, after: Signature) -> float:
    """How much the picture changed between two frames, in 0..2 (0: the same picture)."""
    if before.thumb.shape != after.thumb.shape:
        return 2.0  # a new frame size is a new shot
    return shifted_difference(before.thumb, after.thumb, SHIFT) + 0.5 * float(np.abs(after.hist - before.hist).sum())


class CutDetector:
    """Feed it every frame in order; :meth:`is_cut` says whether a new shot starts at that frame.

    The first frame fed is never a cut (the stream starts there anyway). See the module docstring.
    """

    def __init__(self, settings: CutSettings = CutSettings()) -> None:
        self.settings = settings
        self._last: Signature | None = None
        self._changes: deque[float] = deque(maxlen=settings.history)
        self.last_change: float | None = None

    @property
    def lead_in(self) -> int:
        """Frames before the first one decided on that make its decision equal a full run's."""
        return self.settings.history + 1

    def reset(self) -> None:
        """Forget every frame seen (a new stream)."""
        self._last = None
        self._changes.clear()
        self.last_change = None

    def is_cut(self, picture: np.ndarray) -> bool:
        """Whether ``picture`` (``uint8``/``uint16`` ``[H, W, C]`` RGB), the next frame, starts a new shot."""
        current = signature(picture)
        previous, self._last = self._last, current
        if previous is None:
            self.last_change = None
            return False
        value = change(previous, current)
        self.last_change = value
        decided = self.decide(value, list(self._changes))
        self._changes.append(value)
        return decided

    def decide(self, value: float, recent: list[float]) -> bool:
        """Whether a change of ``value`` after the ``recent`` changes (oldest first) is a cut."""
        s = self.settings
        if value > s.sure:
            return True
        if len(recent) < 2:
            return False  # a stream that starts moving fast has no level yet to compare with
        level = max(float(np.median(recent)), s.quiet)
        return value > s.floor and value > s.ratio * level
