"""Photos: reading any picture a camera or phone makes as upright RGB, and writing one matted picture.

Reading applies the EXIF orientation (a phone stores its photos sideways and says so in a tag) and
converts every mode Pillow opens (CMYK, palette with or without transparency, gray, gray + alpha,
16-bit gray, 16-bit RGB) to RGB. HEIC/HEIF photos (iPhones) are read when the ``heic`` extra
(pillow-heif) is installed. A photo output (``.png``, ``.webp``, ``.tif``, ``.jpg``) holds exactly one
picture and appears under its name only when written.
"""
from __future__ import annotations

import os
import re
import warnings
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING

from videomatte.errors import MediaError

if TYPE_CHECKING:  # numpy and Pillow load on first use: io.codecs, and so the command line's checks, import this
    import numpy as np
    from PIL import Image

STILL_FORMATS = {".png": ("PNG", True), ".webp": ("WEBP", True), ".tif": ("TIFF", True), ".tiff": ("TIFF", True),
                 ".jpg": ("JPEG", False), ".jpeg": ("JPEG", False)}
"""Photo output suffix -> (Pillow format, whether it carries alpha)."""
HEIF_SUFFIXES = frozenset({".heic", ".heif"})
_SIXTEEN_BIT = ("I;16", "I;16B", "I;16L", "I;16N", "I")


def is_still_output(path: str | os.PathLike) -> bool:
    """Whether an output path names one picture (``cut.png``, ``out/{name}.webp``), not a folder."""
    text = os.fspath(path)
    return not text.endswith(("/", "\\")) and Path(text).suffix.lower() in STILL_FORMATS and not Path(text).is_dir()


def still_has_alpha(path: str | os.PathLike) -> bool:
    """Whether a photo output's format carries alpha (PNG, WebP, TIFF; not JPEG)."""
    return STILL_FORMATS[Path(path).suffix.lower()][1]


def register_heif() -> bool:
    """Teach Pillow HEIC/HEIF when pillow-heif is installed; returns whether it is."""
    try:
        from pillow_heif import register_heif_opener
    except ImportError:
        return False
    register_heif_opener()
    return True


def picture_size(path: Path) -> tuple[int, int] | None:
    """``(width, height)`` of a picture as shown (EXIF rotation applied), from its header; ``None`` if
    it cannot be read."""
    from PIL import Image

    if path.suffix.lower() in HEIF_SUFFIXES:
        register_heif()
    try:
        with Image.open(path) as img:
            width, height = img.size
            turned = img.getexif().get(0x0112, 1) in (5, 6, 7, 8)
    except Exception:  # noqa: BLE001 - any unreadable file: the reader names it later
        return None
    return (height, width) if turned else (width, height)


def to_rgb_picture(img: Image.Image) -> np.ndarray:
    """A Pillow image of any mode as ``uint8`` ``[H, W, 3]`` RGB (``uint16`` for 16-bit sources)."""
    import numpy as np

    if img.mode in _SIXTEEN_BIT:
        gray = np.asarray(img).clip(0, 65535).astype(np.uint16)
        return np.repeat(gray[..., None], 3, axis=-1)
    if img.mode in ("RGB;16", "RGB;16B", "RGB;16L"):
        return np.asarray(img).astype(np.uint16)
    if img.mode == "F":
        gray = np.asarray(img, dtype=np.float32)
        top = float(gray.max()) if gray.size and gray.max() > 1 else 1.0
        return np.repeat((gray / top * 255 + 0.5).clip(0, 255).astype(np.uint8)[..., None], 3, axis=-1)
    if img.mode == "P" and "transparency" in img.info:
        img = img.convert("RGBA")  # Pillow warns when a palette with transparency goes straight to RGB
    return np.array(img.convert("RGB"))


def open_picture(path: str | os.PathLike, upright: bool = True) -> Image.Image:
    """The one reader of picture files: ``path`` decoded by Pillow (loaded, the file closed), its EXIF
    orientation applied when ``upright``.

    Raises:
        MediaError: a missing file, a file that is not a readable picture, or HEIC without the ``heic``
            extra (the message names the file and the fix).
    """
    from PIL import Image, ImageOps, UnidentifiedImageError

    path = Path(path)
    if path.suffix.lower() in HEIF_SUFFIXES and not register_heif():
        raise MediaError(f"{path}: HEIC photos need the heic extra: pip install 'videomatte[heic]'")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # Pillow's notes on damaged EXIF or large pictures: one line or none
            with Image.open(path) as picture:
                picture.load()
                return ImageOps.exif_transpose(picture) if upright else picture
    except FileNotFoundError:
        raise MediaError(f"{path}: no such image file") from None
    except Image.DecompressionBombError as err:  # a header claiming billions of pixels (found by fuzzing)
        pixels = re.search(r"\((\d+) pixels\)", str(err))
        claim = f"{int(pixels.group(1)):,} pixels" if pixels else "too many pixels"
        raise MediaError(f"{path}: the picture claims {claim}, more than can be read safely") from err
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, MemoryError) as err:
        raise MediaError(f"{path}: not a readable image ({err})") from err


def load_still(path: str | os.PathLike) -> np.ndarray:
    """One picture file as an upright RGB picture.

    Returns:
        ``uint8`` ``[H, W, 3]``, or ``uint16`` for 16-bit gray sources; EXIF orientation applied.

    Raises:
        MediaError: the file is not a readable picture (HEIC without the ``heic`` extra says so).
    """
    return to_rgb_picture(open_picture(path))


class StillWriter:
    """Writes the one picture of a photo's conversion to ``path`` (format by suffix, see
    :data:`STILL_FORMATS`), under a temporary name renamed when the block ends without an error.

    RGBA goes to PNG, WebP (lossy colour at quality 90, lossless alpha) and TIFF; JPEG takes gray and RGB.
    """

    deep = False  # 8-bit pictures: Pillow writes no 16-bit RGBA

    def __init__(self, path: str | os.PathLike) -> None:
        from videomatte.io.partials import temporary_path

        self.path = Path(path)  # checked by the caller (io.writers.open_writer: exists, overwrite)
        self.format = STILL_FORMATS[self.path.suffix.lower()][0]
        self._temp = temporary_path(self.path, self.path.suffix)
        self._written = False

    def __enter__(self) -> "StillWriter":
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise MediaError(f"{self.path}: cannot write there ({err.strerror or err})") from err
        return self

    def write(self, picture: np.ndarray, pts: int = 0, time_base: Fraction = Fraction(1)) -> None:
        """Save the picture (``uint8`` ``[H, W, C]``, C in 1, 3, 4); a second picture is refused."""
        import numpy as np
        from PIL import Image

        if self._written:
            raise MediaError(f"{self.path}: a picture file holds one picture; give a video path or a folder ('out/')")
        if picture.ndim == 3 and picture.shape[-1] == 1:
            picture = picture[..., 0]
        if picture.dtype != np.uint8:
            picture = (picture.astype(np.float32) / 257 + 0.5).astype(np.uint8)
        image = Image.fromarray(np.ascontiguousarray(picture))
        if image.mode == "RGBA" and self.format == "JPEG":
            image = image.convert("RGB")
        options = {"PNG": {"compress_level": 6}, "WEBP": {"quality": 90, "alpha_quality": 100, "method": 4},
                   "TIFF": {"compression": "tiff_deflate"}, "JPEG": {"quality": 95}}[self.format]
        try:
            image.save(self._temp, format=self.format, **options)
        except OSError as err:
            raise MediaError(f"{self.path}: cannot write ({err})") from err
        self._written = True

    def __exit__(self, exc_type: type | None, exc: BaseException | None, tb: object) -> None:
        if exc_type is None and self._written:
            os.replace(self._temp, self.path)
        self._temp.unlink(missing_ok=True)
