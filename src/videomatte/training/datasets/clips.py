"""Foreground clips: sequences of (foreground, alpha) frames that a matting dataset composites.

A clip's ``read(indices, short_side)`` returns ``fgr`` ``[T, 3, H, W]`` and ``pha`` ``[T, 1, H, W]``
in [0, 1]. ``composited`` clips hold whole frames (footage with its own background): their "foreground"
is the frame itself, and no new background is put behind it.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from videomatte.training.datasets.dataset_files import load_pair, load_rgb, shrink_to, to_tensor
from videomatte.errors import DatasetError


@dataclass(frozen=True)
class FrameClip:
    """Matching frame files of a foreground (or whole frame) and its alpha."""

    name: str
    fgr_paths: tuple[Path, ...]
    pha_paths: tuple[Path, ...]
    composited: bool = False
    bgr_paths: tuple[Path, ...] = ()
    """The clip's own background frames, if it has them (e.g. the pseudo-GT training split)."""

    def __post_init__(self) -> None:
        if len(self.fgr_paths) != len(self.pha_paths):
            raise DatasetError(
                f"clip {self.name}: {len(self.fgr_paths)} image frames but {len(self.pha_paths)} alpha frames"
            )
        if self.bgr_paths and len(self.bgr_paths) != len(self.fgr_paths):
            raise DatasetError(
                f"clip {self.name}: {len(self.fgr_paths)} image frames but {len(self.bgr_paths)} background frames"
            )
        if not self.fgr_paths:
            raise DatasetError(f"clip {self.name}: no frames")

    def __len__(self) -> int:
        return len(self.fgr_paths)

    def read(self, indices: list[int], short_side: int | None) -> tuple[torch.Tensor, torch.Tensor]:
        """Frames at ``indices`` (repeats allowed) as ``(fgr [T,3,H,W], pha [T,1,H,W])``."""
        cache: dict[int, tuple[torch.Tensor, torch.Tensor]] = {}
        for i in indices:
            if i not in cache:
                cache[i] = load_pair(self.fgr_paths[i], self.pha_paths[i], short_side)
        fgr = torch.stack([cache[i][0] for i in indices])
        pha = torch.stack([cache[i][1] for i in indices])
        return fgr, pha

    def read_background(self, indices: list[int], short_side: int | None) -> torch.Tensor:
        """The clip's own background frames at ``indices``: ``[T, 3, H, W]``."""
        cache = {i: load_rgb(self.bgr_paths[i], short_side) for i in set(indices)}
        return torch.stack([cache[i] for i in indices])


def match_by_stem(images: list[Path], alphas: list[Path], what: str) -> tuple[list[Path], list[Path]]:
    """Pairs image files with the alpha (or background) files of the same stem; raises naming the first
    unpaired file."""
    alpha_by_stem = {p.stem: p for p in alphas}
    paired = []
    for image in images:
        if image.stem not in alpha_by_stem:
            folder = alphas[0].parent if alphas else "the alpha folder"
            raise DatasetError(f"{what}: no match for {image} (expected a file named {image.stem}.* in {folder})")
        paired.append(alpha_by_stem[image.stem])
    return images, paired


@dataclass(frozen=True)
class VideoClip:
    """Two video files of equal length: the footage and its alpha (any codec PyAV decodes)."""

    name: str
    com_path: Path
    pha_path: Path
    frames: int

    composited = True
    bgr_paths: tuple[Path, ...] = ()

    def __len__(self) -> int:
        return self.frames

    def read(self, indices: list[int], short_side: int | None) -> tuple[torch.Tensor, torch.Tensor]:
        """Frames at ``indices`` as ``(fgr [T,3,H,W], pha [T,1,H,W])``; decodes from the start."""
        com = read_video_frames(self.com_path, indices, short_side, "RGB")
        pha = read_video_frames(self.pha_path, indices, short_side, "L")
        if com.shape[-2:] != pha.shape[-2:]:
            raise DatasetError(f"alpha video {self.pha_path} and footage {self.com_path} differ in size")
        return com, pha


def count_video_frames(path: Path) -> int:
    """Number of decodable frames of a video file."""
    from videomatte.errors import MediaError
    from videomatte.io.readers import count_frames

    try:
        return count_frames(path)
    except MediaError as err:
        raise DatasetError(f"cannot read video {path}: {err}") from None


def read_video_frames(path: Path, indices: list[int], short_side: int | None, mode: str) -> torch.Tensor:
    """Decodes ``path`` up to ``max(indices)`` and returns those frames ``[T, C, H, W]`` in [0, 1]."""
    from PIL import Image

    from videomatte.errors import MediaError
    from videomatte.io.readers import read_frames

    wanted, found = set(indices), {}
    try:
        for number, picture in enumerate(read_frames(path, limit=max(wanted) + 1)):
            if number in wanted:
                found[number] = to_tensor(shrink_to(Image.fromarray(picture).convert(mode), short_side))
    except MediaError as err:
        raise DatasetError(f"cannot read video {path}: {err}") from None
    missing = wanted - set(found)
    if missing:
        raise DatasetError(f"video {path} has no frame {min(missing)}")
    return torch.stack([found[i] for i in indices])


def as_array(frames: torch.Tensor) -> np.ndarray:
    """``[T, C, H, W]`` in [0, 1] -> uint8 ``[T, H, W, C]`` (for writing test data and previews)."""
    return (frames.clamp(0, 1) * 255).round().byte().permute(0, 2, 3, 1).numpy()
