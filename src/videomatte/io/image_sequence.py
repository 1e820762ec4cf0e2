"""``ImageSequenceWriter``: numbered PNG or TIFF images in a folder, written under a temporary name and
renamed when complete (see ``videomatte.io.writers``)."""
from __future__ import annotations

import os
import shutil
from fractions import Fraction
from pathlib import Path
from typing import Callable

import numpy as np

from videomatte.errors import MediaError
from videomatte.io.codecs import SEQUENCE_CODECS
from videomatte.io.files import is_image, list_images
from videomatte.io.output_paths import check_output, media_error
from videomatte.io.partials import temporary_path


class ImageSequenceWriter:
    """Numbered images ``000000.png``, ``000001.png``... in a folder (PNG or TIFF, 8 or 16 bits gray/RGB).

    RGBA pictures are written as they are given: straight or premultiplied is the caller's choice.
    An existing folder is replaced only with ``overwrite`` and only if it holds nothing but images.
    """

    def __init__(self, path: str | os.PathLike, codec: str = "png", *, overwrite: bool = False,
                 compress_level: int = 1) -> None:
        if codec not in SEQUENCE_CODECS:
            raise MediaError(f"image sequences are {' or '.join(SEQUENCE_CODECS)}, not {codec!r}")
        self.path = check_output(path, overwrite)
        self.suffix = ".tif" if codec == "tiff" else ".png"
        self.compress_level = compress_level
        self.deep = False
        self._temp = temporary_path(self.path)
        self._count = 0

    def __enter__(self) -> "ImageSequenceWriter":
        try:
            self._temp.mkdir(parents=True)
        except OSError as err:
            raise media_error(self.path, err) from err
        return self

    def write(self, picture: np.ndarray, pts: int = 0, time_base: Fraction = Fraction(1)) -> None:
        """Save one picture (``uint8``/``uint16`` ``[H, W, C]``, C in 1, 3, 4) as the next file."""
        from PIL import Image

        if picture.ndim == 3 and picture.shape[-1] == 1:
            picture = picture[..., 0]
        if picture.dtype == np.uint16 and picture.ndim != 2:
            raise ValueError("16-bit images are written for gray pictures only; pass uint8 RGB/RGBA")
        if picture.dtype == np.uint16:
            image = Image.fromarray(picture.astype("<u2"), mode="I;16")
        else:
            image = Image.fromarray(picture)
        name = self._temp / f"{self._count:06d}{self.suffix}"
        try:
            if self.suffix == ".png":
                image.save(name, compress_level=self.compress_level)
            else:
                image.save(name, compression="tiff_deflate")
        except OSError as err:
            raise media_error(self.path, err) from err
        self._count += 1

    def add_file(self, image: Path, place: Callable[[Path, Path], None] = os.replace) -> None:
        """Take an image file already encoded (this writer's suffix) as the next one: ``place(image, name)``
        puts it under its new name (moves it by default)."""
        if image.suffix.lower() not in (self.suffix, ".tiff" if self.suffix == ".tif" else self.suffix):
            raise MediaError(f"{image}: not a {self.suffix} image")
        try:
            place(image, self._temp / f"{self._count:06d}{self.suffix}")
        except OSError as err:
            raise media_error(self.path, err) from err
        self._count += 1

    def _replace_existing(self) -> None:
        if not self.path.exists():
            return
        if not self.path.is_dir():
            self.path.unlink()
            return
        others = [p for p in self.path.iterdir() if not is_image(p)]
        if others:
            raise MediaError(f"{self.path}: not replacing a folder that holds other files ({others[0].name})")
        for image in list_images(str(self.path)):
            image.unlink()
        self.path.rmdir()

    def __exit__(self, exc_type: type | None, exc: BaseException | None, tb: object) -> None:
        if exc_type is not None:
            shutil.rmtree(self._temp, ignore_errors=True)
            return
        try:
            self._replace_existing()
            os.replace(self._temp, self.path)
        except BaseException:
            shutil.rmtree(self._temp, ignore_errors=True)
            raise
