"""A user's own footage with alpha, for fine-tuning. ``ROOT`` holds one folder per clip (or is one
clip itself); each clip folder has one of::

    fgr/ + pha/ [+ bgr/]   frame folders of a foreground and its alpha, composited over the clip's own
                           background frames bgr/ if present, else over the configured backgrounds
                           (the pseudo-GT training split of ``videomatte evaluate --make-pseudo-gt``)
    com/ + pha/            frame folders of the footage and its alpha (used as shot)
    com.<ext> + pha.<ext>  two video files, footage and alpha (mp4, mov, mkv, webm, avi; used as shot)

Alpha frames are paired with image frames by file stem.
"""
from __future__ import annotations

from pathlib import Path

from videomatte.io.files import list_videos
from videomatte.training.datasets.clips import FrameClip, VideoClip, count_video_frames, match_by_stem
from videomatte.training.datasets.dataset_files import list_images, list_subdirs, require_dir
from videomatte.errors import DatasetError



def footage_clips(root: Path) -> list[FrameClip | VideoClip]:
    """The clips under ``root``, each read as described in the module docstring."""
    root = require_dir(Path(root), "footage")
    if _clip_kind(root) is not None:
        return [_load_clip(root)]
    clips = [_load_clip(folder) for folder in list_subdirs(root, "footage")]
    return clips


def _clip_kind(folder: Path) -> str | None:
    if (folder / "pha").is_dir() and (folder / "fgr").is_dir():
        return "fgr"
    if (folder / "pha").is_dir() and (folder / "com").is_dir():
        return "com"
    if _video(folder, "com") or _video(folder, "pha"):
        return "video"
    return None


def _video(folder: Path, stem: str) -> Path | None:
    return next((p for p in list_videos(folder) if p.stem == stem), None)


def _load_clip(folder: Path) -> FrameClip | VideoClip:
    kind = _clip_kind(folder)
    if kind is None:
        raise DatasetError(
            f"footage clip {folder}: expected fgr/ + pha/, com/ + pha/, or com.mp4 + pha.mp4 inside it"
        )
    if kind == "video":
        com, pha = _video(folder, "com"), _video(folder, "pha")
        if com is None or pha is None:
            missing = "com" if com is None else "pha"
            raise DatasetError(f"footage clip {folder}: missing video {missing}.mp4 (or .mov/.mkv/.webm/.avi)")
        frames, pha_frames = count_video_frames(com), count_video_frames(pha)
        if frames != pha_frames or frames == 0:
            raise DatasetError(f"footage clip {folder}: {com.name} has {frames} frames but {pha.name} has {pha_frames}")
        return VideoClip(folder.name, com, pha, frames)
    images = list_images(folder / kind, f"footage clip {folder.name}")
    alphas = list_images(folder / "pha", f"footage clip {folder.name} alpha")
    images, alphas = match_by_stem(images, alphas, f"footage clip {folder}")
    backgrounds: list[Path] = []
    if kind == "fgr" and (folder / "bgr").is_dir():
        backgrounds = list_images(folder / "bgr", f"footage clip {folder.name} background")
        backgrounds = match_by_stem(images, backgrounds, f"footage clip {folder} background")[1]
    return FrameClip(folder.name, tuple(images), tuple(alphas), composited=(kind == "com"), bgr_paths=tuple(backgrounds))
