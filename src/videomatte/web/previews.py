"""Previews for the page: the alpha output shown over a checkerboard, as an H.264 clip a browser plays."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from videomatte.io.frames import max_value
from videomatte.io.readers import open_reader
from videomatte.io.writers import open_writer

PREVIEW_FRAMES = 300  # the checkerboard preview covers at most this many frames
SQUARE = 16  # checkerboard square, in pixels


def checkerboard(height: int, width: int, square: int = SQUARE) -> np.ndarray:
    """Light and dark gray squares, float32 ``[H, W, 3]`` in 0..1 (the usual sign of transparency)."""
    yy, xx = np.mgrid[0:height, 0:width]
    light = ((yy // square + xx // square) % 2 == 0)
    return np.repeat(np.where(light, 0.8, 0.55).astype(np.float32)[..., None], 3, axis=2)


def over_checkerboard(picture: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """``picture`` (uint8/uint16 ``[H, W, 3]``) over a checkerboard by ``alpha`` (uint8 ``[H, W, >=1]``).

    Returns:
        ``uint8 [H, W, 3]``.
    """
    colour = picture.astype(np.float32) / max_value(picture.dtype)
    weight = alpha[..., :1].astype(np.float32) / max_value(alpha.dtype)
    board = checkerboard(*picture.shape[:2])
    return np.rint((colour * weight + board * (1 - weight)) * 255).astype(np.uint8)


def checker_preview(source: Path, alpha_video: Path, out: Path, max_frames: int = PREVIEW_FRAMES) -> int:
    """Write ``out`` (``.mp4``): the source over a checkerboard by the matte of ``alpha_video``.

    Returns:
        Frames written.
    """
    written = 0
    with open_reader(source) as pictures, open_reader(alpha_video) as mattes, \
            open_writer(out, pictures.info, alpha=False, audio=False) as writer:
        for frame, matte in zip(pictures, mattes):
            writer.write(over_checkerboard(frame.image, matte.image), frame.pts, frame.time_base)
            written += 1
            if written >= max_frames:
                break
    return written
