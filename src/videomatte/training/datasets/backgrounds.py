"""Backgrounds to composite foregrounds over: still images and video clips.

Layouts::

    IMAGES/*.jpg                   background images (e.g. the BGMv2 backgrounds), one folder
    VIDEOS/<clip>/<frame>.jpg      background videos as frame folders (e.g. the preprocessed DVM set)
"""
from __future__ import annotations

from pathlib import Path

import torch

from videomatte.training.datasets.dataset_files import list_images, list_subdirs, load_rgb
from videomatte.errors import DatasetError
from videomatte.training.samplers import TrainFrameSampler, ValidFrameSampler


class BackgroundPool:
    """Draws a background sequence: 50 % a still image repeated, 50 % a stretch of a video.

    Arguments:
        images (Path or None): folder of background images.
        videos (Path or None): folder of background clips (frame folders).
    """

    def __init__(self, images: Path | None = None, videos: Path | None = None) -> None:
        self.images = list_images(Path(images), "background images") if images else []
        self.videos = [
            list_images(clip, f"background video {clip.name}")
            for clip in (list_subdirs(Path(videos), "background videos") if videos else [])
        ]
        if not self.images and not self.videos:
            raise DatasetError("no backgrounds: give a background image folder, a background video folder or both")

    def sample(self, length: int, short_side: int | None, sampler: TrainFrameSampler | ValidFrameSampler,
               generator: torch.Generator) -> torch.Tensor:
        """A background sequence ``[length, 3, H, W]`` in [0, 1]."""
        use_video = bool(self.videos) and (not self.images or float(torch.rand((), generator=generator)) < 0.5)
        if not use_video:
            path = self.images[int(torch.randint(len(self.images), (1,), generator=generator))]
            return load_rgb(path, short_side).expand(length, -1, -1, -1).contiguous()
        clip = self.videos[int(torch.randint(len(self.videos), (1,), generator=generator))]
        start = int(torch.randint(len(clip), (1,), generator=generator))
        frames = [(start + offset) % len(clip) for offset in sampler(length, generator)]
        cache: dict[int, torch.Tensor] = {}
        for i in frames:
            if i not in cache:
                cache[i] = load_rgb(clip[i], short_side)
        shapes = {tuple(t.shape) for t in cache.values()}
        if len(shapes) > 1:
            raise DatasetError(f"background video {clip[0].parent}: frames differ in size {sorted(shapes)}")
        return torch.stack([cache[i] for i in frames])
