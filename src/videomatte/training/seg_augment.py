"""Augmentation of the segmentation data (rvm-facts §1.8): COCO / Supervisely images and YouTubeVIS
clips. Inputs ``img`` ``[T, 3, H, W]`` in [0, 1] and ``seg`` ``[T, 1, H, W]`` in {0, 1}; the same
parameters apply to every frame. Random draws come only from the generator passed in.
"""
from __future__ import annotations

import math

import torch

from videomatte.training import transforms as tf
from videomatte.training.augment import _chance, _uniform, random_affine


class SegmentationAugmentation:
    """``kind="image"``: affine (±20°, translate 0.1, shear ±10; mask nearest), resized crop
    (scale 0.5-1, ratio 0.7-1.3), flip, colour jitter 0.1. ``kind="video"``: resized crop (scale
    0.8-1, ratio 0.9-1.1; mask bilinear), colour jitter 0.3 (hue 0.15), grayscale 0.05, flip.
    ``kind="none"``: a centre square crop resized to ``size`` (validation).
    """

    def __init__(self, size: int, kind: str) -> None:
        if kind not in {"image", "video", "none"}:
            raise ValueError(f"unknown segmentation augmentation {kind!r}")
        self.size, self.kind = size, kind

    def __call__(self, img: torch.Tensor, seg: torch.Tensor,
                 generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
        """Returns ``(img, seg)`` at ``size x size``; ``seg`` stays in [0, 1]."""
        g, out = generator, (self.size, self.size)
        if self.kind == "none":
            box = _centre_box(*img.shape[-2:], 1.0)
            return tf.resized_crop(img, box, out), (tf.resized_crop(seg, box, out) > 0.5).to(seg)
        if self.kind == "image":
            params = random_affine(g, degrees=20.0, translate=0.1, scale=(1.0, 1.0), shear=10.0)
            img = tf.warp_affine(img, [params] * img.shape[0])
            seg = tf.warp_affine(seg, [params] * seg.shape[0], mode="nearest")
            box = random_resized_box(g, *img.shape[-2:], (0.5, 1.0), (0.7, 1.3))
            img, seg = tf.resized_crop(img, box, out), tf.resized_crop(seg, box, out, mode="nearest")
            strengths = (0.1, 0.1, 0.1, 0.1)
        else:
            box = random_resized_box(g, *img.shape[-2:], (0.8, 1.0), (0.9, 1.1))
            img, seg = tf.resized_crop(img, box, out), tf.resized_crop(seg, box, out)
            strengths = (0.3, 0.3, 0.3, 0.15)
        if _chance(g, 0.5):
            img, seg = img.flip(-1), seg.flip(-1)
        img = _color_jitter(img, strengths, g)
        if self.kind == "video" and _chance(g, 0.05):
            img = tf.grayscale(img)
        return img, seg


def random_resized_box(g: torch.Generator, height: int, width: int, scale: tuple[float, float],
                       ratio: tuple[float, float]) -> tuple[int, int, int, int]:
    """A crop ``(top, left, h, w)`` covering ``scale`` of the area with aspect ``ratio`` (log-uniform);
    after ten misses, the largest centred crop with the ratio clamped into range."""
    area = height * width
    for _ in range(10):
        target = area * _uniform(g, *scale)
        aspect = math.exp(_uniform(g, math.log(ratio[0]), math.log(ratio[1])))
        w, h = round(math.sqrt(target * aspect)), round(math.sqrt(target / aspect))
        if 0 < w <= width and 0 < h <= height:
            top = int(torch.randint(height - h + 1, (1,), generator=g))
            left = int(torch.randint(width - w + 1, (1,), generator=g))
            return top, left, h, w
    return _centre_box(height, width, min(max(width / height, ratio[0]), ratio[1]))


def _centre_box(height: int, width: int, aspect: float) -> tuple[int, int, int, int]:
    w = min(width, round(height * aspect))
    h = min(height, round(w / aspect))
    return (height - h) // 2, (width - w) // 2, h, w


def _color_jitter(img: torch.Tensor, strengths: tuple[float, float, float, float],
                  g: torch.Generator) -> torch.Tensor:
    b, c, s, h = strengths
    params = [_uniform(g, 1 - b, 1 + b), _uniform(g, 1 - c, 1 + c), _uniform(g, 1 - s, 1 + s), _uniform(g, -h, h)]
    per_frame = [torch.full((img.shape[0],), v) for v in params]
    return tf.color_jitter(img, *per_frame)
