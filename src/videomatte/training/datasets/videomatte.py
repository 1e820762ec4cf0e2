"""Foreground sources of the reference: VideoMatte240K and image mattes (D646 / AIM).

VideoMatte240K (JPEG SD or HD release), one split folder::

    ROOT/fgr/<clip>/<frame>.jpg     ROOT/pha/<clip>/<frame>.jpg   (same clip and frame names)

Image mattes, one split folder, in any of these layouts (files paired by stem)::

    ROOT/fgr/*.jpg + ROOT/pha/*.jpg        (the reference's preprocessed ImageMatte)
    ROOT/FG/*.png  + ROOT/GT/*.png         (Distinctions-646)
    ROOT/fg/*.jpg  + ROOT/alpha/*.jpg      (Adobe Image Matting)
"""
from __future__ import annotations

from pathlib import Path

from videomatte.training.datasets.clips import FrameClip, match_by_stem
from videomatte.training.datasets.dataset_files import list_images, list_subdirs, require_dir
from videomatte.errors import DatasetError

IMAGE_MATTE_LAYOUTS = (("fgr", "pha"), ("FG", "GT"), ("fg", "alpha"))


def videomatte240k_clips(root: Path) -> list[FrameClip]:
    """One :class:`FrameClip` per clip folder of ``root/fgr`` with its ``root/pha`` twin."""
    root = require_dir(Path(root), "VideoMatte240K split")
    clips = []
    for fgr_dir in list_subdirs(root / "fgr", "VideoMatte240K foregrounds"):
        pha_dir = require_dir(root / "pha" / fgr_dir.name, f"VideoMatte240K alpha of clip {fgr_dir.name}")
        fgr_paths = list_images(fgr_dir, f"VideoMatte240K clip {fgr_dir.name}")
        pha_paths = list_images(pha_dir, f"VideoMatte240K alpha of clip {fgr_dir.name}")
        fgr_paths, pha_paths = match_by_stem(fgr_paths, pha_paths, f"VideoMatte240K clip {fgr_dir.name}")
        clips.append(FrameClip(fgr_dir.name, tuple(fgr_paths), tuple(pha_paths)))
    return clips


def imagematte_clips(root: Path) -> list[FrameClip]:
    """One single-frame :class:`FrameClip` per image of an image-matte split folder."""
    root = require_dir(Path(root), "image matte split")
    for image_dir, alpha_dir in IMAGE_MATTE_LAYOUTS:
        if (root / image_dir).is_dir():
            images = list_images(root / image_dir, "image mattes")
            alphas = list_images(root / alpha_dir, "image matte alphas")
            images, alphas = match_by_stem(images, alphas, f"image mattes in {root}")
            return [FrameClip(p.stem, (p,), (a,)) for p, a in zip(images, alphas)]
    layouts = ", ".join(f"{a}/ + {b}/" for a, b in IMAGE_MATTE_LAYOUTS)
    raise DatasetError(f"image mattes: {root} holds none of the known layouts ({layouts})")
