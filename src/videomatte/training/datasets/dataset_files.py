"""Reading images and listing folders (through ``videomatte.io``), with errors that name the offending file."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from PIL import Image

from videomatte.io import files as media_files
from videomatte.errors import DatasetError, MediaError
from videomatte.io.stills import open_picture


def require_dir(path: Path, what: str) -> Path:
    """Returns ``path`` if it is a folder, else raises :class:`DatasetError` naming ``what``."""
    if not path.is_dir():
        raise DatasetError(f"{what}: folder {path} does not exist")
    return path


def list_images(folder: Path, what: str) -> list[Path]:
    """The image files directly inside ``folder``, naturally sorted; raises if there are none."""
    names = ", ".join(sorted(media_files.IMAGE_SUFFIXES))
    return _some(media_files.list_images(require_dir(folder, what)), f"{what}: no images ({names}) in {folder}")


def list_subdirs(folder: Path, what: str) -> list[Path]:
    """The sub-folders of ``folder``, naturally sorted; raises if there are none."""
    return _some(media_files.list_folders(require_dir(folder, what)), f"{what}: no sub-folders in {folder}")


def _some(found: list[Path], missing: str) -> list[Path]:
    if not found:
        raise DatasetError(missing)
    return found


def open_image(path: Path) -> Image.Image:
    """``path`` decoded by the project's picture reader (``io.images.open_picture``), as stored (no
    EXIF rotation: a dataset's images and mattes must stay aligned); ``DatasetError`` names the file."""
    if not Path(path).exists():
        raise DatasetError(f"missing image file {path}")
    try:
        return open_picture(path, upright=False)
    except MediaError as err:
        raise DatasetError(f"cannot read image {path}: {err}") from None


def shrink_to(image: Image.Image, short_side: int | None) -> Image.Image:
    """Downscales (bilinear) so the short side is ``short_side`` if it is larger; never upscales."""
    if short_side is None or min(image.size) <= short_side:
        return image
    scale = short_side / min(image.size)
    size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    return image.resize(size, Image.BILINEAR)


def to_tensor(image: Image.Image) -> torch.Tensor:
    """PIL image -> float ``[C, H, W]`` in [0, 1]."""
    array = np.asarray(image, dtype=np.uint8)
    if array.ndim == 2:
        array = array[:, :, None]
    return torch.from_numpy(array.copy()).permute(2, 0, 1).float().div_(255)


def load_rgb(path: Path, short_side: int | None = None) -> torch.Tensor:
    """An image file as RGB ``[3, H, W]`` in [0, 1]."""
    return to_tensor(shrink_to(open_image(path).convert("RGB"), short_side))


def load_gray(path: Path, short_side: int | None = None) -> torch.Tensor:
    """An image file as one channel ``[1, H, W]`` in [0, 1] (alpha mattes, masks)."""
    return to_tensor(shrink_to(open_image(path).convert("L"), short_side))


def load_pair(fgr_path: Path, pha_path: Path, short_side: int | None) -> tuple[torch.Tensor, torch.Tensor]:
    """A foreground and its alpha, checked to have the same size."""
    fgr, pha = load_rgb(fgr_path, short_side), load_gray(pha_path, short_side)
    if fgr.shape[-2:] != pha.shape[-2:]:
        raise DatasetError(
            f"alpha {pha_path} is {tuple(pha.shape[-2:])} but its image {fgr_path} is {tuple(fgr.shape[-2:])} (H, W)"
        )
    return fgr, pha
