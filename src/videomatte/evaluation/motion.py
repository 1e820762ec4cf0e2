"""Geometry for the composer: fitting a foreground into the frame, affine drift for still mattes, and
panning over still backgrounds. All resampling is PIL bilinear; sizes are ``(W, H)``."""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from PIL import Image

# Drift ranges for still mattes (the RVM motion augmentation's ranges).
MAX_DEGREES = 10.0
MAX_TRANSLATE = 0.1
SCALE_RANGE = (0.9, 1.1)
PAN_ZOOM = 1.25


def _ease(x: float) -> float:
    """Smoothstep: starts and ends at rest."""
    return x * x * (3.0 - 2.0 * x)


@dataclass(frozen=True)
class Placement:
    """Where a foreground of a given size goes in the output: its scaled size and top-left corner."""

    size: tuple[int, int]
    offset: tuple[int, int]


def fit_placement(src_size: tuple[int, int], out_size: tuple[int, int], rng: np.random.Generator) -> Placement:
    """Scale to fit inside the output keeping the aspect ratio, bottom-aligned, at a random horizontal
    offset when narrower (a foreground of the output's aspect ratio just gets resized)."""
    (sw, sh), (ow, oh) = src_size, out_size
    scale = min(ow / sw, oh / sh)
    w, h = min(ow, max(1, round(sw * scale))), min(oh, max(1, round(sh * scale)))
    x = int(rng.integers(0, ow - w + 1))
    return Placement((w, h), (x, oh - h))


def place(image: Image.Image, placement: Placement, out_size: tuple[int, int]) -> Image.Image:
    """Resize ``image`` per ``placement`` onto a black (alpha 0) canvas of ``out_size``."""
    resized = image.resize(placement.size, Image.Resampling.BILINEAR)
    if placement.size == tuple(out_size):
        return resized
    canvas = Image.new(image.mode, tuple(out_size), 0)
    canvas.paste(resized, placement.offset)
    return canvas


def warp(image: Image.Image, inverse: tuple[float, ...]) -> Image.Image:
    """Apply an affine map given as PIL's inverse coefficients ``(a, b, c, d, e, f)``; outside is 0."""
    return image.transform(image.size, Image.Transform.AFFINE, inverse, Image.Resampling.BILINEAR, fillcolor=0)


@dataclass(frozen=True)
class Drift:
    """An affine motion from pose ``start`` to ``end`` (degrees, tx, ty as fractions, scale), eased."""

    start: tuple[float, float, float, float]
    end: tuple[float, float, float, float]

    def inverse_at(self, progress: float, size: tuple[int, int]) -> tuple[float, ...]:
        """PIL inverse coefficients of the pose at ``progress`` in [0, 1] (rotation/scale about the centre)."""
        k = _ease(progress)
        deg, tx, ty, scale = (a + (b - a) * k for a, b in zip(self.start, self.end))
        w, h = size
        cx, cy = w / 2.0, h / 2.0
        cos, sin = math.cos(math.radians(deg)) / scale, math.sin(math.radians(deg)) / scale
        ox, oy = cx + tx * w, cy + ty * h  # where the centre goes
        # input = R(-deg) (output - o) / scale + c
        return (cos, sin, cx - cos * ox - sin * oy, -sin, cos, cy + sin * ox - cos * oy)


def _random_pose(rng: np.random.Generator) -> tuple[float, float, float, float]:
    deg = float(rng.uniform(-MAX_DEGREES, MAX_DEGREES))
    tx, ty = (float(v) for v in rng.uniform(-MAX_TRANSLATE, MAX_TRANSLATE, size=2))
    return deg, tx, ty, float(rng.uniform(*SCALE_RANGE))


def random_drift(rng: np.random.Generator) -> Drift:
    """A start pose and an end pose ``variation`` (uniform in [0, 1]) of the way to a second random pose."""
    start, other = _random_pose(rng), _random_pose(rng)
    variation = float(rng.uniform(0.0, 1.0))
    end = tuple(a + (b - a) * variation for a, b in zip(start, other))
    return Drift(start, end)  # type: ignore[arg-type]


def cover_crop(image: Image.Image, out_size: tuple[int, int]) -> np.ndarray:
    """Resize to cover ``out_size`` and take the centre: ``uint8 [H, W, 3]``."""
    box = _cover_box(image.size, out_size, 1.0, (0.5, 0.5))
    return np.asarray(image.resize(tuple(out_size), Image.Resampling.BILINEAR, box=box))


def _cover_box(src: tuple[int, int], out: tuple[int, int], zoom: float, at: tuple[float, float]) -> tuple[float, ...]:
    """Source box with the output's aspect ratio, ``1 / zoom`` of the largest such box, at relative ``at``."""
    scale = max(out[0] / src[0], out[1] / src[1]) * zoom
    bw, bh = out[0] / scale, out[1] / scale
    x, y = (src[0] - bw) * at[0], (src[1] - bh) * at[1]
    return (x, y, x + bw, y + bh)


@dataclass(frozen=True)
class Pan:
    """A camera move over a still background: the crop slides from ``start`` to ``end`` (relative)."""

    start: tuple[float, float]
    end: tuple[float, float]

    def frame(self, image: Image.Image, progress: float, out_size: tuple[int, int]) -> np.ndarray:
        k = _ease(progress)
        at = tuple(a + (b - a) * k for a, b in zip(self.start, self.end))
        box = _cover_box(image.size, out_size, PAN_ZOOM, at)  # type: ignore[arg-type]
        return np.asarray(image.resize(tuple(out_size), Image.Resampling.BILINEAR, box=box))


def random_pan(rng: np.random.Generator) -> Pan:
    """A pan between two random crop positions of a ``PAN_ZOOM`` x zoomed-in view."""
    start, end = rng.uniform(0.0, 1.0, size=2), rng.uniform(0.0, 1.0, size=2)
    return Pan((float(start[0]), float(start[1])), (float(end[0]), float(end[1])))
