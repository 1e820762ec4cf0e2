"""Supervisely Person dataset.

``ROOT`` in the original release layout, one folder per part::

    ROOT/<ds>/img/<name>.png   ROOT/<ds>/ann/<name>.png.json

where each annotation lists ``objects`` with ``geometryType`` ``"bitmap"`` (``bitmap.data`` = base64
of a zlib-compressed PNG, placed at ``bitmap.origin`` = [x, y]) or ``"polygon"`` (``points.exterior``
and ``points.interior`` as [x, y] lists). Or the preprocessed layout ``ROOT/img/*`` + ``ROOT/seg/*``.
"""
from __future__ import annotations

import base64
import io
import json
import zlib
from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageDraw

from videomatte.training.datasets.clips import match_by_stem
from videomatte.training.datasets.dataset_files import list_images, list_subdirs, load_gray, load_rgb, require_dir, shrink_to, to_tensor
from videomatte.errors import DatasetError


class SuperviselyPersons:
    """Supervisely Person images with their person masks."""

    name = "Supervisely Person"

    def __init__(self, root: Path) -> None:
        root = require_dir(Path(root), "Supervisely Person")
        if (root / "img").is_dir() and (root / "seg").is_dir():
            images, masks = match_by_stem(list_images(root / "img", "Supervisely images"),
                                          list_images(root / "seg", "Supervisely masks"), f"Supervisely {root}")
            self.items = [(i, m, "mask") for i, m in zip(images, masks)]
            return
        self.items = []
        for part in list_subdirs(root, "Supervisely Person"):
            for image in list_images(part / "img", f"Supervisely part {part.name}"):
                self.items.append((image, part / "ann" / f"{image.name}.json", "json"))

    def __len__(self) -> int:
        return len(self.items)

    def load(self, index: int, short_side: int | None) -> tuple[torch.Tensor, torch.Tensor]:
        """``(img [3, H, W], seg [1, H, W])`` in [0, 1]."""
        image, annotation, kind = self.items[index]
        img = load_rgb(image, short_side)
        if kind == "mask":
            seg = load_gray(annotation, short_side)
        else:
            seg = to_tensor(shrink_to(render_annotation(annotation), short_side))
        if seg.shape[-2:] != img.shape[-2:]:
            raise DatasetError(f"mask of {image} ({annotation}) does not match the image size")
        return img, (seg > 0.5).float()


def render_annotation(path: Path) -> Image.Image:
    """Rasterises a Supervisely annotation file into an 8-bit mask (255 = person)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        width, height = data["size"]["width"], data["size"]["height"]
        mask = Image.new("L", (width, height), 0)
        for obj in data["objects"]:
            if obj["geometryType"] == "bitmap":
                bitmap = decode_bitmap(obj["bitmap"]["data"])
                mask.paste(255, tuple(obj["bitmap"]["origin"]), Image.fromarray(bitmap.astype(np.uint8) * 255))
            elif obj["geometryType"] == "polygon":
                draw = ImageDraw.Draw(mask)
                draw.polygon([tuple(p) for p in obj["points"]["exterior"]], fill=255)
                for hole in obj["points"].get("interior", []):
                    draw.polygon([tuple(p) for p in hole], fill=0)
    except FileNotFoundError:
        raise DatasetError(f"missing Supervisely annotation {path}") from None
    except (json.JSONDecodeError, KeyError, TypeError, ValueError, zlib.error) as err:
        raise DatasetError(f"malformed Supervisely annotation {path}: {err!r}") from None
    return mask


def decode_bitmap(data: str) -> np.ndarray:
    """Supervisely bitmap string -> bool mask ``[h, w]`` (alpha channel if present, else nonzero)."""
    image = Image.open(io.BytesIO(zlib.decompress(base64.b64decode(data))))
    array = np.asarray(image)
    if array.ndim == 3:
        array = array[..., 3] if array.shape[2] >= 4 else array.max(axis=2)
    return array > 0
