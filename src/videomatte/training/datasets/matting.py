"""Composited matting sequences: a foreground clip, a background and the motion augmentation.

Items are addressed by ``(index, seed)`` (see :mod:`.sampling`): the seed drives the frame sampler,
the background choice and the augmentation, so an item is the same wherever and whenever it is read.
"""
from __future__ import annotations

from typing import Sequence

import torch
from torch.utils.data import Dataset

from videomatte.training.augment import MotionAugmentation
from videomatte.training.datasets.backgrounds import BackgroundPool
from videomatte.training.datasets.clips import FrameClip, VideoClip
from videomatte.errors import DatasetError
from videomatte.training.samplers import TrainFrameSampler, ValidFrameSampler


class MattingDataset(Dataset):
    """One item per ``seq_length`` frames of each clip (one per image for single-frame clips).

    Arguments:
        clips (sequence): foreground clips (:class:`FrameClip` or :class:`VideoClip`).
        backgrounds (BackgroundPool or None): needed unless every clip is ``composited``.
        seq_length (int): frames per item ``T``.
        augmentation (MotionAugmentation): sets the output size.
        frame_sampler: :class:`TrainFrameSampler` or :class:`ValidFrameSampler`.

    Items are dicts of ``fgr`` ``[T, 3, S, S]``, ``pha`` ``[T, 1, S, S]``, ``bgr`` ``[T, 3, S, S]``,
    floats in [0, 1]; the training source frame is ``fgr * pha + bgr * (1 - pha)``.
    """

    def __init__(self, clips: Sequence[FrameClip | VideoClip], backgrounds: BackgroundPool | None,
                 seq_length: int, augmentation: MotionAugmentation,
                 frame_sampler: TrainFrameSampler | ValidFrameSampler) -> None:
        if not clips:
            raise DatasetError("matting dataset: no clips")
        if backgrounds is None and not all(c.composited or c.bgr_paths for c in clips):
            raise DatasetError("matting dataset: foregrounds need backgrounds (data.background_images / background_videos)")
        self.clips, self.backgrounds = list(clips), backgrounds
        self.seq_length, self.augmentation, self.frame_sampler = seq_length, augmentation, frame_sampler
        self.items = [(c, start) for c, clip in enumerate(self.clips) for start in range(0, len(clip), seq_length)]

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, key: tuple[int, int]) -> dict[str, torch.Tensor]:
        index, seed = key
        generator = torch.Generator().manual_seed(seed)
        clip_index, start = self.items[index]
        clip = self.clips[clip_index]
        offsets = self.frame_sampler(self.seq_length, generator)
        frames = [(start + offset) % len(clip) for offset in offsets]
        short_side = self.augmentation.size
        fgr, pha = clip.read(frames, short_side)
        if clip.composited:
            bgr = None
        elif clip.bgr_paths:
            bgr = clip.read_background(frames, short_side)
        else:
            assert self.backgrounds is not None
            bgr = self.backgrounds.sample(self.seq_length, short_side, self.frame_sampler, generator)
        fgr, pha, bgr = self.augmentation(fgr, pha, bgr, generator)
        return {"fgr": fgr, "pha": pha, "bgr": bgr}
