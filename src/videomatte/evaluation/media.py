"""Frame-folder helpers of the evaluation sets on top of ``videomatte.io``: 8-bit PNG in, 8-bit PNG out,
byte-stable. Listing and video decoding are io's (natural order, one suffix table).

Arrays are numpy ``uint8``: colour frames ``[H, W, 3]`` RGB, mattes ``[H, W]``.
"""
from __future__ import annotations

from pathlib import Path
from typing import Iterator

import numpy as np
from PIL import Image

from videomatte.errors import MediaError
from videomatte.io.files import is_image, is_video, list_images
from videomatte.io.stills import open_picture
from videomatte.io.readers import read_frames as read_pictures


def list_frames(folder: Path) -> list[Path]:
    """The image files of a frame folder, in natural order (``2.png`` before ``10.png``)."""
    if not folder.is_dir():
        raise MediaError(f"not a folder of frames: {folder}")
    return list_images(folder)


def _read(path: Path, mode: str, what: str) -> np.ndarray:
    try:
        return np.asarray(open_picture(path, upright=False).convert(mode))
    except MediaError as err:
        raise MediaError(f"cannot read {what} {path}: {err}") from err


def read_rgb(path: Path) -> np.ndarray:
    """An image as ``uint8 [H, W, 3]`` RGB."""
    return _read(path, "RGB", "image")


def read_gray(path: Path) -> np.ndarray:
    """An alpha matte as ``uint8 [H, W]`` (colour files are converted to luminance)."""
    return _read(path, "L", "matte")


def write_png(path: Path, array: np.ndarray) -> None:
    """Write ``uint8 [H, W]`` or ``[H, W, 3]`` as PNG with fixed settings (same bytes on every run)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.ascontiguousarray(array)).save(path, format="PNG", compress_level=1)


def to_uint8(x: np.ndarray) -> np.ndarray:
    """Quantise floats in ``[0, 1]`` to ``uint8`` by rounding (what saving an 8-bit PNG should do)."""
    return np.floor(np.clip(x, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)


def iter_video(path: Path, limit: int | None = None) -> Iterator[np.ndarray]:
    """Decode a video file as ``uint8 [H, W, 3]`` RGB frames, at most ``limit`` of them."""
    return read_pictures(path, limit)


def read_frames(source: Path, limit: int | None = None) -> list[np.ndarray]:
    """All frames (up to ``limit``) of a video file or a folder of images, ``uint8 [H, W, 3]`` each."""
    if source.is_dir():
        return [read_rgb(p) for p in list_frames(source)[:limit]]
    if is_video(source):
        return list(iter_video(source, limit))
    if is_image(source):
        return [read_rgb(source)]
    raise MediaError(f"not an image, a video or a frame folder: {source}")
