"""Choosing the subject on the page: the upload's first frame, the clicked points drawn on it.

The page shows the first frame of the first upload scaled to at most :data:`PREVIEW_SIDE` pixels; a
click on it (Gradio's ``Image.select``, whose ``index`` is the clicked pixel of the shown picture) adds
a point, kept in pixels of the input frame, and the conversion then keeps only the people under the
points (``SubjectPrompt(points=...)``, see ``docs/subject.md``). No point: everyone is kept.
"""
from __future__ import annotations

import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from videomatte.subject.prompt import Point, SubjectPrompt
from videomatte.io.readers import open_reader
from videomatte.web.settings import ServeSettings
from videomatte.web.uploads import check_size, unpack_sequence, UNZIP_FACTOR

PREVIEW_SIDE = 640
MARKER = (255, 40, 40)
NO_POINT = "No point chosen: every person is kept. Click a person on the first frame to keep only them."


@dataclass(frozen=True)
class SubjectPicks:
    """What the page knows of the subject: the first frame shown and the points clicked on it.

    Attributes:
        picture: the first frame as shown, ``uint8 [h, w, 3]`` (``None`` before an upload).
        width, height: size of the input frame (pixels).
        points: clicked points ``(x, y)`` in pixels of the input frame.
    """

    picture: np.ndarray | None = field(default=None, repr=False)
    width: int = 0
    height: int = 0
    points: tuple[tuple[int, int], ...] = ()

    @property
    def scale(self) -> float:
        """Shown pixels per input pixel."""
        return self.picture.shape[1] / self.width if self.picture is not None and self.width else 1.0

    def click(self, x: float, y: float) -> "SubjectPicks":
        """These picks and a point at shown pixel ``(x, y)``."""
        if self.picture is None:
            return self
        point = (min(self.width - 1, max(0, round(x / self.scale))),
                 min(self.height - 1, max(0, round(y / self.scale))))
        return replace(self, points=self.points + (point,))

    def cleared(self) -> "SubjectPicks":
        return replace(self, points=())

    def prompt(self) -> SubjectPrompt | None:
        """The conversion's subject: the points in input pixels, ``None`` (everyone) without points."""
        return SubjectPrompt(points=tuple(Point(x, y) for x, y in self.points)) if self.points else None

    def marked(self) -> np.ndarray | None:
        """The shown first frame with a ring on every point, ``uint8 [h, w, 3]``."""
        if self.picture is None:
            return None
        image = Image.fromarray(self.picture)
        draw = ImageDraw.Draw(image)
        radius = max(4, round(max(image.size) / 80))
        for x, y in self.points:
            cx, cy = x * self.scale, y * self.scale
            box = (cx - radius, cy - radius, cx + radius, cy + radius)
            draw.ellipse(box, fill=MARKER, outline=(255, 255, 255), width=max(1, radius // 3))
        return np.asarray(image)

    def describe(self) -> str:
        """The line under the frame: the points, or that everyone is kept."""
        if not self.points:
            return NO_POINT
        where = ", ".join(f"({x}, {y})" for x, y in self.points)
        return f"Keeping only the person under {where} (pixels of the input frame)."


def first_picks(upload: Path, settings: ServeSettings) -> SubjectPicks:
    """The first frame of an upload (a video, or a zip of images), scaled for the page.

    Raises:
        MediaError: the upload is too large or cannot be read.
    """
    picture = first_picture(upload, settings)
    height, width = picture.shape[:2]
    scale = min(1.0, PREVIEW_SIDE / max(width, height))
    shown = Image.fromarray(picture).resize((max(1, round(width * scale)), max(1, round(height * scale))),
                                            Image.Resampling.BILINEAR)
    return SubjectPicks(np.asarray(shown), width, height)


def first_picture(upload: Path, settings: ServeSettings) -> np.ndarray:
    """The first picture of an upload (a video, or a zip of images), ``uint8 [H, W, 3]`` at full size.

    Raises:
        MediaError: the upload is too large or cannot be read.
    """
    check_size(upload, settings)
    if upload.suffix.lower() == ".zip":
        with tempfile.TemporaryDirectory(prefix="videomatte-first-") as folder:
            frames = unpack_sequence(upload, Path(folder), UNZIP_FACTOR * settings.max_upload_bytes)
            return _first_picture(frames)
    return _first_picture(upload)


def _first_picture(source: Path) -> np.ndarray:
    """The first picture of ``source`` as ``uint8 [H, W, 3]`` (deep pictures scaled down to 8 bits)."""
    with open_reader(source) as reader:
        image = next(iter(reader)).image[..., :3]
    if image.dtype != np.uint8:
        image = (image.astype(np.float32) * (255.0 / np.iinfo(image.dtype).max)).round().astype(np.uint8)
    return image
