"""A cheap shot-cut test: the mean difference of two small gray thumbnails of consecutive frames."""
from __future__ import annotations

import numpy as np

THUMB = 32  # thumbnail side: a cut changes the whole picture, motion changes only parts of it
CUT_THRESHOLD = 0.25  # mean |difference| (0..1) of consecutive thumbnails above which frames are a cut


def thumbnail(picture: np.ndarray) -> np.ndarray:
    """A ``THUMB x THUMB`` gray summary of a picture, by block averages.

    Args:
        picture: ``uint8``/``uint16`` ``[H, W, C]`` RGB.

    Returns:
        ``float32 [THUMB, THUMB]`` in 0..1 (smaller pictures give a smaller thumbnail).
    """
    scale = 65535.0 if picture.dtype == np.uint16 else 255.0
    height, width = picture.shape[:2]
    rows = np.linspace(0, height, min(THUMB, height) + 1).astype(int)
    cols = np.linspace(0, width, min(THUMB, width) + 1).astype(int)
    gray = picture[..., :3].mean(axis=-1, dtype=np.float32) / scale
    by_rows = np.add.reduceat(gray, rows[:-1], axis=0) / np.diff(rows)[:, None]
    return np.add.reduceat(by_rows, cols[:-1], axis=1) / np.diff(cols)[None, :]


def is_cut(before: np.ndarray, after: np.ndarray, threshold: float = CUT_THRESHOLD) -> bool:
    """Whether two consecutive thumbnails (:func:`thumbnail`) lie on either side of a shot cut."""
    return float(np.abs(after - before).mean()) > threshold
