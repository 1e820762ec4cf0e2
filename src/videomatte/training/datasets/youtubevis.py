"""YouTubeVIS 2021, person masks of video clips.

Layout of one split folder ``ROOT`` (the official ``train`` folder)::

    ROOT/instances.json              videos [{id, file_names, height, width}], annotations
                                     [{video_id, category_id, segmentations: [RLE or null per frame]}],
                                     categories [{id, name}]
    ROOT/JPEGImages/<file_name>      the frames named in ``file_names``
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from PIL import Image
from torch.utils.data import Dataset

from videomatte.training.datasets.coco import _read_json
from videomatte.training.datasets.dataset_files import load_rgb, require_dir, shrink_to, to_tensor
from videomatte.training.datasets.rle import decode_rle
from videomatte.errors import DatasetError
from videomatte.training.samplers import TrainFrameSampler, ValidFrameSampler
from videomatte.training.seg_augment import SegmentationAugmentation

PERSON_CATEGORY = 26


class YouTubeVISPersons(Dataset):
    """Clips with a person, one item per ``seq_length`` frames; items are dicts of ``img``
    ``[T, 3, S, S]`` and ``seg`` ``[T, 1, S, S]`` in [0, 1], addressed by ``(index, seed)``."""

    def __init__(self, root: Path, seq_length: int, augmentation: SegmentationAugmentation,
                 frame_sampler: TrainFrameSampler | ValidFrameSampler | None = None) -> None:
        root = require_dir(Path(root), "YouTubeVIS")
        self.frames_dir = require_dir(root / "JPEGImages", "YouTubeVIS frames")
        self.json_path = root / "instances.json"
        data = _read_json(self.json_path)
        try:
            person = next((c["id"] for c in data.get("categories", []) if c.get("name") == "person"), PERSON_CATEGORY)
            rles: dict[int, list[list]] = {}
            for ann in data["annotations"]:
                if ann["category_id"] == person:
                    rles.setdefault(ann["video_id"], []).append(ann["segmentations"])
            self.videos = [(v["file_names"], rles[v["id"]]) for v in data["videos"] if v["id"] in rles]
        except (KeyError, TypeError) as err:
            raise DatasetError(f"malformed YouTubeVIS file {self.json_path}: missing {err}") from None
        self.seq_length, self.augmentation = seq_length, augmentation
        self.frame_sampler = frame_sampler or TrainFrameSampler(speeds=(1.0,))
        self.items = [(v, s) for v, (names, _) in enumerate(self.videos) for s in range(0, len(names), seq_length)]

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, key: tuple[int, int]) -> dict[str, torch.Tensor]:
        index, seed = key
        generator = torch.Generator().manual_seed(seed)
        video, start = self.items[index]
        names, instances = self.videos[video]
        frames = [(start + o) % len(names) for o in self.frame_sampler(self.seq_length, generator)]
        size = self.augmentation.size
        img = torch.stack([load_rgb(self.frames_dir / names[i], size) for i in frames])
        seg = torch.stack([self._mask(instances, i, img.shape[-2:], size) for i in frames])
        img, seg = self.augmentation(img, seg, generator)
        return {"img": img, "seg": seg}

    def _mask(self, instances: list[list], frame: int, shape: torch.Size, size: int) -> torch.Tensor:
        mask = None
        for segmentations in instances:
            rle = segmentations[frame] if frame < len(segmentations) else None
            if rle is None:
                continue
            try:
                decoded = decode_rle(rle)
            except (KeyError, TypeError, ValueError) as err:
                raise DatasetError(f"malformed RLE in {self.json_path}: {err}") from None
            mask = decoded if mask is None else mask | decoded
        if mask is None:
            return torch.zeros(1, *shape)
        seg = to_tensor(shrink_to(Image.fromarray(mask.astype(np.uint8) * 255), size))
        if seg.shape[-2:] != shape:
            raise DatasetError(f"YouTubeVIS mask size {tuple(seg.shape[-2:])} differs from its frame {tuple(shape)} in {self.json_path}")
        return seg
