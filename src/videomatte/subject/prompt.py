"""What the user points at to choose the subject: points, a box, or a first-frame mask.

Coordinates are pixels of the input frame (``320,180``) or fractions of its width and height
(``0.5,0.5``): a point or box is read as fractions when every number lies in 0..1 and one of them is
written with a decimal point, otherwise as pixels. :class:`SubjectPrompt` is a small frozen value that
the session, ``convert``, ``live`` and the web page pass around; it is resolved against the frame size
only when the first frame arrives.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import numpy as np

from videomatte.errors import SubjectError


def _numbers(text: str, count: int, what: str) -> tuple[tuple[float, ...], bool]:
    """``count`` comma-separated numbers of ``text`` and whether they are fractions of the frame."""
    parts = [p.strip() for p in text.split(",")]
    try:
        values = tuple(float(p) for p in parts)
    except ValueError:
        values = ()
    if len(values) != count or not all(np.isfinite(values)):
        shape = "X,Y" if count == 2 else "X0,Y0,X1,Y1"
        raise SubjectError(f"{what} must look like {shape} (pixels or fractions of the frame), got {text!r}")
    if any(v < 0 for v in values):
        raise SubjectError(f"{what} {text!r}: coordinates must not be negative")
    fraction = all(v <= 1 for v in values) and any("." in p for p in parts)
    if not fraction and any("." in p and v < 1 for p, v in zip(parts, values)):
        raise SubjectError(f"{what} {text!r} mixes fractions of the frame and pixels; use one or the other")
    return values, fraction


@dataclass(frozen=True)
class Point:
    """A point on the subject: pixels, or fractions of the frame when ``fraction``."""

    x: float
    y: float
    fraction: bool = False

    @classmethod
    def parse(cls, text: str) -> "Point":
        (x, y), fraction = _numbers(text, 2, "subject point")
        return cls(x, y, fraction)

    def pixels(self, width: int, height: int) -> tuple[float, float]:
        """``(x, y)`` in pixels of a ``width`` x ``height`` frame; outside the frame is an error."""
        x, y = (self.x * (width - 1), self.y * (height - 1)) if self.fraction else (self.x, self.y)
        if x > width - 1 or y > height - 1:
            raise SubjectError(f"subject point {self} lies outside the {width}x{height} frame")
        return x, y

    def __str__(self) -> str:
        return f"({self.x:g}, {self.y:g})"


@dataclass(frozen=True)
class Box:
    """A box around the subject ``(x0, y0)``-``(x1, y1)``: pixels, or fractions when ``fraction``."""

    x0: float
    y0: float
    x1: float
    y1: float
    fraction: bool = False

    @classmethod
    def parse(cls, text: str) -> "Box":
        (x0, y0, x1, y1), fraction = _numbers(text, 4, "subject box")
        if x1 <= x0 or y1 <= y0:
            raise SubjectError(f"subject box {text!r} must have X0 < X1 and Y0 < Y1")
        return cls(x0, y0, x1, y1, fraction)

    def pixels(self, width: int, height: int) -> tuple[float, float, float, float]:
        """``(x0, y0, x1, y1)`` in pixels, clipped to the frame."""
        sx, sy = (width, height) if self.fraction else (1, 1)
        x0, y0, x1, y1 = self.x0 * sx, self.y0 * sy, min(self.x1 * sx, width), min(self.y1 * sy, height)
        if x0 >= width or y0 >= height:
            raise SubjectError(f"subject box {self} lies outside the {width}x{height} frame")
        return x0, y0, x1, y1

    def __str__(self) -> str:
        return f"({self.x0:g}, {self.y0:g})-({self.x1:g}, {self.y1:g})"


@dataclass(frozen=True, eq=False)
class SubjectPrompt:
    """The people to keep, as the user pointed at them on the first frame.

    Attributes:
        points: one point per person (or several on one person); each picks the person under it.
        box: picks every person whose matte lies mostly inside the box.
        mask: a first-frame mask ``bool [H, W]`` (any size; resized to the frame), picks every person
            whose matte lies mostly inside it.
    """

    points: tuple[Point, ...] = ()
    box: Box | None = None
    mask: np.ndarray | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if not self.points and self.box is None and self.mask is None:
            raise SubjectError("a subject needs a point, a box or a mask")
        if self.mask is not None and (self.mask.ndim != 2 or not self.mask.any()):
            raise SubjectError("the subject mask must be a non-empty 2-D mask")

    @classmethod
    def from_cli(cls, points: Sequence[str] | str | None = None, box: str | None = None,
                 mask: str | Path | None = None) -> "SubjectPrompt | None":
        """The prompt of ``--subject X,Y`` (repeatable, or ``X,Y;X,Y``), ``--subject-box X0,Y0,X1,Y1``
        and ``--subject-mask FILE.png``; ``None`` when none is given (every person is kept)."""
        texts = [points] if isinstance(points, str) else list(points or ())
        parsed = tuple(Point.parse(p) for text in texts for p in text.split(";") if p.strip())
        if texts and not parsed:
            raise SubjectError("--subject needs X,Y (pixels or fractions of the frame)")
        if not parsed and box is None and mask is None:
            return None
        return cls(parsed, Box.parse(box) if box is not None else None,
                   load_mask(Path(mask)) if mask is not None else None)

    def mask_at(self, width: int, height: int) -> np.ndarray | None:
        """The mask resized (nearest) to ``width`` x ``height``, ``bool [height, width]``."""
        if self.mask is None:
            return None
        rows = (np.arange(height) * self.mask.shape[0] // height).clip(0, self.mask.shape[0] - 1)
        cols = (np.arange(width) * self.mask.shape[1] // width).clip(0, self.mask.shape[1] - 1)
        return self.mask[rows[:, None], cols[None, :]]


def load_mask(path: Path) -> np.ndarray:
    """A mask image (white = subject; alpha channel used when present) as ``bool [H, W]``."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            plane = image.getchannel("A") if "A" in image.getbands() else image.convert("L")
            mask = np.asarray(plane) > 127
    except (OSError, UnidentifiedImageError, ValueError) as err:
        raise SubjectError(f"cannot read the subject mask {path}: {err}") from None
    if not mask.any():
        raise SubjectError(f"the subject mask {path} is empty (no pixel above half white)")
    return mask
