"""Image segmentation items from several sources (COCO panoptic, Supervisely Person).

A source has ``__len__``, ``name`` and ``load(i, short_side) -> (img [3, H, W], seg [1, H, W])`` in
[0, 1]. Items are addressed by ``(index, seed)`` like the matting items and are dicts of ``img``
``[1, 3, S, S]`` and ``seg`` ``[1, 1, S, S]`` (one-frame sequences).
"""
from __future__ import annotations

import bisect
from typing import Protocol, Sequence

import torch
from torch.utils.data import Dataset

from videomatte.errors import DatasetError
from videomatte.training.seg_augment import SegmentationAugmentation


class ImageSource(Protocol):
    name: str

    def __len__(self) -> int: ...

    def load(self, index: int, short_side: int | None) -> tuple[torch.Tensor, torch.Tensor]: ...


class ImageSegmentationDataset(Dataset):
    """The concatenation of image sources, augmented by :class:`SegmentationAugmentation`."""

    def __init__(self, sources: Sequence[ImageSource], augmentation: SegmentationAugmentation) -> None:
        self.sources = [s for s in sources if len(s)]
        if not self.sources:
            names = ", ".join(s.name for s in sources) or "none given"
            raise DatasetError(f"image segmentation: no images with people ({names})")
        self.augmentation = augmentation
        self.offsets = []
        total = 0
        for source in self.sources:
            self.offsets.append(total)
            total += len(source)
        self.total = total

    def __len__(self) -> int:
        return self.total

    def __getitem__(self, key: tuple[int, int]) -> dict[str, torch.Tensor]:
        index, seed = key
        which = bisect.bisect_right(self.offsets, index) - 1
        img, seg = self.sources[which].load(index - self.offsets[which], self.augmentation.size)
        generator = torch.Generator().manual_seed(seed)
        img, seg = self.augmentation(img[None], seg[None], generator)
        return {"img": img, "seg": seg}
