"""COCO panoptic 2017, person masks (categories person 1, backpack 27, tie 32 as in the reference).

Layout of ``ROOT`` (the official archives unpacked together)::

    ROOT/<split>2017/<image>.jpg
    ROOT/annotations/panoptic_<split>2017.json
    ROOT/annotations/panoptic_<split>2017/<image>.png    (segment id = R + 256 G + 65536 B)
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import torch

from videomatte.training.datasets.dataset_files import load_rgb, open_image, require_dir, shrink_to, to_tensor
from videomatte.errors import DatasetError

PERSON_CATEGORIES = (1, 27, 32)


class CocoPanopticPersons:
    """The images of a COCO panoptic split that contain a person, with the person mask.

    Arguments:
        root (Path): folder laid out as in the module docstring.
        split (str): ``"train"`` or ``"val"``.
    """

    name = "COCO panoptic"

    def __init__(self, root: Path, split: str = "train") -> None:
        root = require_dir(Path(root), "COCO")
        self.images_dir = require_dir(root / f"{split}2017", "COCO images")
        self.masks_dir = require_dir(root / "annotations" / f"panoptic_{split}2017", "COCO panoptic PNGs")
        data = _read_json(root / "annotations" / f"panoptic_{split}2017.json")
        try:
            names = {image["id"]: image["file_name"] for image in data["images"]}
            self.items = []
            for ann in data["annotations"]:
                ids = tuple(s["id"] for s in ann["segments_info"] if s["category_id"] in PERSON_CATEGORIES)
                if ids:
                    self.items.append((names[ann["image_id"]], ann["file_name"], ids))
        except (KeyError, TypeError) as err:
            raise DatasetError(f"malformed COCO panoptic file {root / 'annotations'}: missing {err}") from None

    def __len__(self) -> int:
        return len(self.items)

    def load(self, index: int, short_side: int | None) -> tuple[torch.Tensor, torch.Tensor]:
        """``(img [3, H, W], seg [1, H, W])`` in [0, 1]."""
        image_name, mask_name, ids = self.items[index]
        img = load_rgb(self.images_dir / image_name, short_side)
        panoptic = np.asarray(open_image(self.masks_dir / mask_name).convert("RGB"), dtype=np.int64)
        segment = panoptic[..., 0] + 256 * panoptic[..., 1] + 65536 * panoptic[..., 2]
        mask = np.isin(segment, ids).astype(np.uint8) * 255
        from PIL import Image

        seg = to_tensor(shrink_to(Image.fromarray(mask), short_side))
        return img, (seg > 0.5).float()


def _read_json(path: Path) -> dict:
    try:
        with open(path, encoding="utf-8") as file:
            return json.load(file)
    except FileNotFoundError:
        raise DatasetError(f"missing annotation file {path}") from None
    except json.JSONDecodeError as err:
        raise DatasetError(f"malformed JSON in {path}: {err}") from None
