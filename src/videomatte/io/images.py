"""Still images and image sequences: one image file as an upright RGB picture, and a folder or glob of
images as a stream of frames at a given frame rate."""
from __future__ import annotations

import glob
import re
import warnings
from fractions import Fraction
from pathlib import Path
from typing import Iterator

import numpy as np

from videomatte.errors import MediaError
from videomatte.io.files import IMAGE_SUFFIXES, list_images
from videomatte.io.frames import to_rgb
from videomatte.io.stream import Frame, VideoInfo


def load_image(path: Path) -> np.ndarray:
    """One image file as an upright RGB picture.

    Returns:
        ``uint8`` ``[H, W, 3]``, or ``uint16`` for 16-bit gray images. EXIF orientation is applied;
        palette, gray and alpha images are converted to RGB (alpha is dropped).

    Raises:
        MediaError: the file is not a readable image.
    """
    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # Pillow's notes on damaged EXIF or large pictures: one line or none
            with Image.open(path) as opened:
                img = ImageOps.exif_transpose(opened)
                if img.mode in ("I;16", "I;16B", "I;16L", "I"):
                    return to_rgb(np.asarray(img).clip(0, 65535).astype(np.uint16))
                return np.array(img.convert("RGB"))
    except Image.DecompressionBombError as err:  # a header claiming billions of pixels (fuzzing, issue 24)
        pixels = re.search(r"\((\d+) pixels\)", str(err))
        claim = f"{int(pixels.group(1)):,} pixels" if pixels else "too many pixels"
        raise MediaError(f"{path}: the picture claims {claim}, more than can be read safely") from err
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, MemoryError) as err:
        raise MediaError(f"{path}: not a readable image ({err})") from err


class ImageSequenceReader:
    """Pictures from a folder or glob of images, with timestamps ``0, 1, 2...`` at ``frame_rate``.

    Every image must have the size of the first one.
    """

    def __init__(self, source: str, frame_rate: Fraction = Fraction(30)) -> None:
        if not glob.has_magic(source) and not Path(source).exists():
            raise MediaError(f"{source}: no such file or folder")
        self.files = list_images(source)
        if not self.files:
            raise MediaError(f"{source}: no images found (looked for {', '.join(sorted(IMAGE_SUFFIXES))})")
        first = load_image(self.files[0])
        self._first = first
        rate = Fraction(frame_rate)
        self.info = VideoInfo(
            path=Path(source), width=first.shape[1], height=first.shape[0], frame_rate=rate,
            time_base=1 / rate, frame_count=len(self.files), bit_depth=8 * first.dtype.itemsize,
            codec="image",
        )

    def __iter__(self) -> Iterator[Frame]:
        for index in range(len(self.files)):
            yield self.frame(index)

    def frame(self, index: int) -> Frame:
        """Picture ``index`` of the sequence (timestamp ``index``); ``MediaError`` when its size differs
        from the first picture's."""
        path, size = self.files[index], self._first.shape[:2]
        image = self._first if index == 0 else load_image(path)
        if image.shape[:2] != size:
            raise MediaError(f"{path}: is {image.shape[1]}x{image.shape[0]} but the sequence is {size[1]}x{size[0]}")
        return Frame(image=image, pts=index, time_base=self.info.time_base, index=index)

    def close(self) -> None:
        """Nothing to release; present for symmetry with the video reader."""

    def __enter__(self) -> "ImageSequenceReader":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
