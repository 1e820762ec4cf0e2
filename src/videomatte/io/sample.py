"""A sample clip that ships with the package: a slow pan and zoom across a photo of a person.

The photo is a reduced copy of BackgroundMattingV2's MIT-licensed test picture (``data/demo_person.jpg``,
licence in ``data/LICENSE-demo_person.txt``), so ``videomatte demo`` works on a fresh install.
"""
from __future__ import annotations

import math
from fractions import Fraction
from importlib import resources
from pathlib import Path

import numpy as np

from videomatte.io.readers import VideoInfo

SAMPLE_PHOTO = "demo_person.jpg"
SAMPLE_SIZE = (288, 512)  # height, width: the network's native 512 pixels on the long side
SAMPLE_RATE = Fraction(24)


def sample_photo() -> "PIL.Image.Image":  # noqa: F821 - PIL is imported lazily
    """The packaged photo, RGB."""
    from PIL import Image

    with resources.as_file(resources.files("videomatte") / "data" / SAMPLE_PHOTO) as path:
        with Image.open(path) as image:
            return image.convert("RGB")


def pan_and_zoom(photo: "PIL.Image.Image", frames: int, size: tuple[int, int] = SAMPLE_SIZE  # noqa: F821
                 ) -> list[np.ndarray]:
    """``frames`` pictures ``uint8 [H, W, 3]`` moving across ``photo``: the view narrows from the whole
    photo to 70 % of it while its centre drifts from left of the middle to right of it (eased)."""
    from PIL import Image

    height, width = size
    pictures = []
    for index in range(frames):
        t = 0.5 - 0.5 * math.cos(math.pi * index / max(frames - 1, 1))  # 0 -> 1, eased at both ends
        scale = 1.0 - 0.3 * t
        view_w = photo.width * scale
        view_h = min(view_w * height / width, photo.height * scale)
        centre_x = photo.width * (0.42 + 0.16 * t)
        left = min(max(centre_x - view_w / 2, 0.0), photo.width - view_w)
        top = (photo.height - view_h) * (0.5 - 0.2 * t)
        box = (left, top, left + view_w, top + view_h)
        pictures.append(np.asarray(photo.resize((width, height), Image.BILINEAR, box=box)))
    return pictures


def write_sample_clip(path: Path, seconds: float = 3.0, overwrite: bool = False) -> Path:
    """Write the sample as an H.264 ``.mp4`` at 24 fps (512x288) and return ``path``."""
    from videomatte.io.writers import open_writer

    frames = max(2, round(seconds * SAMPLE_RATE))
    height, width = SAMPLE_SIZE
    info = VideoInfo(path=path, width=width, height=height, frame_rate=SAMPLE_RATE,
                     time_base=1 / SAMPLE_RATE, frame_count=frames)
    with open_writer(path, info, alpha=False, crf=16, audio=False, overwrite=overwrite) as writer:
        for index, picture in enumerate(pan_and_zoom(sample_photo(), frames)):
            writer.write(picture, index, 1 / SAMPLE_RATE)
    return path
