"""The reference's motion augmentation for matting sequences (rvm-facts §1.8), on tensors.

Every random draw comes from the ``torch.Generator`` passed in, so one seed gives the same output
tensors on every run and every machine. Inputs and outputs:

- ``fgr`` ``[T, 3, H, W]`` and ``pha`` ``[T, 1, H, W]`` (same size), ``bgr`` ``[T, 3, H', W']``,
  all float in [0, 1]; the outputs are ``size x size``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from videomatte.training import transforms as tf
from videomatte.training.easing import Easing, progress, random_easing


@dataclass(frozen=True)
class AugmentProbabilities:
    """The probability of each random operation (0 turns it off)."""

    fgr_affine: float = 0.0
    bgr_affine: float = 0.0
    noise: float = 0.0
    color_jitter: float = 0.0
    grayscale: float = 0.0
    sharpness: float = 0.0
    blur: float = 0.0
    hflip: float = 0.0
    pause: float = 0.0
    static_affine: bool = False


VIDEOMATTE_TRAIN = AugmentProbabilities(.3, .3, .1, .3, .02, .1, .02, .5, .03, static_affine=True)
IMAGEMATTE_TRAIN = AugmentProbabilities(.95, .3, .05, .3, .03, .05, .02, .5, .03, static_affine=True)
VALIDATION = AugmentProbabilities()
PRESETS = {"videomatte": VIDEOMATTE_TRAIN, "imagematte": IMAGEMATTE_TRAIN, "none": VALIDATION}

MOTION_RANGES = dict(degrees=10.0, translate=0.1, scale=(0.9, 1.1), shear=5.0)


class MotionAugmentation:
    """Motion affine, static affine, resized crop, flips, noise, colour jitter, grayscale, sharpen,
    motion blur and pause, in the reference's order.

    Arguments:
        size (int): output side in pixels.
        probabilities (AugmentProbabilities): e.g. :data:`VIDEOMATTE_TRAIN`.
    """

    def __init__(self, size: int, probabilities: AugmentProbabilities) -> None:
        self.size = size
        self.p = probabilities

    def __call__(self, fgr: torch.Tensor, pha: torch.Tensor, bgr: torch.Tensor | None,
                 generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Returns augmented ``(fgr, pha, bgr)``, each ``[T, C, size, size]`` in [0, 1].

        With ``bgr=None`` the foreground is a whole frame (footage with its own background): only the
        joint operations run, and the returned ``bgr`` is a copy of the returned ``fgr``.
        """
        if bgr is None:
            fgr, pha = self._whole_frames(fgr, pha, generator)
            return fgr, pha, fgr.clone()
        g, p = generator, self.p
        if _chance(g, p.fgr_affine):
            fgr, pha = _motion_affine([fgr, pha], g)
        roll = _uniform(g, 0, 1)
        if roll < p.bgr_affine / 2:
            (bgr,) = _motion_affine([bgr], g)
        elif roll < p.bgr_affine:
            fgr, pha, bgr = _motion_affine([fgr, pha, bgr], g)
        if p.static_affine:
            fgr, pha = _static_affine([fgr, pha], (0.5, 1.0), g)
            (bgr,) = _static_affine([bgr], (1.0, 1.5), g)
        fgr, pha = _random_square_crop([fgr, pha], self.size, g)
        (bgr,) = _random_square_crop([bgr], self.size, g)
        if _chance(g, p.hflip):
            fgr, pha = fgr.flip(-1), pha.flip(-1)
        if _chance(g, p.hflip):
            bgr = bgr.flip(-1)
        if _chance(g, p.noise):
            fgr, bgr = _noise(fgr, g), _noise(bgr, g)
        if _chance(g, p.color_jitter):
            fgr = _motion_color_jitter(fgr, g)
        if _chance(g, p.color_jitter):
            bgr = _motion_color_jitter(bgr, g)
        if _chance(g, p.grayscale):
            fgr, bgr = tf.grayscale(fgr), tf.grayscale(bgr)
        if _chance(g, p.sharpness):
            factor = _uniform(g, 0, 8)
            fgr, pha, bgr = (tf.sharpen(x, factor) for x in (fgr, pha, bgr))
        fgr, pha, bgr = _motion_blur(fgr, pha, bgr, p.blur, g)
        if _chance(g, p.pause):
            fgr, pha, bgr = _pause([fgr, pha, bgr], g)
        return fgr, pha, bgr

    def _whole_frames(self, fgr: torch.Tensor, pha: torch.Tensor,
                      g: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
        p = self.p
        if _chance(g, p.fgr_affine):
            fgr, pha = _motion_affine([fgr, pha], g)
        fgr, pha = _random_square_crop([fgr, pha], self.size, g)
        if _chance(g, p.hflip):
            fgr, pha = fgr.flip(-1), pha.flip(-1)
        if _chance(g, p.noise):
            fgr = _noise(fgr, g)
        if _chance(g, p.color_jitter):
            fgr = _motion_color_jitter(fgr, g)
        if _chance(g, p.grayscale):
            fgr = tf.grayscale(fgr)
        if _chance(g, p.blur):
            sigmas = _blur_sigmas(g, fgr.shape[0], random_easing(g))
            fgr, pha = tf.gaussian_blur(fgr, sigmas), tf.gaussian_blur(pha, sigmas)
        if _chance(g, p.pause):
            fgr, pha = _pause([fgr, pha], g)
        return fgr, pha


def _uniform(g: torch.Generator, low: float, high: float) -> float:
    return low + (high - low) * float(torch.rand((), generator=g))


def _chance(g: torch.Generator, probability: float) -> bool:
    return probability > 0 and _uniform(g, 0, 1) < probability


def random_affine(g: torch.Generator, degrees: float, translate: float, scale: tuple[float, float],
                  shear: float) -> tf.Affine:
    """One draw of rotation ``±degrees``, translation ``±translate`` of the size, ``scale`` range and
    horizontal shear ``±shear`` degrees."""
    return tf.Affine(
        angle=_uniform(g, -degrees, degrees),
        tx=_uniform(g, -translate, translate),
        ty=_uniform(g, -translate, translate),
        scale=_uniform(g, *scale),
        shear_x=_uniform(g, -shear, shear),
    )


def _motion_affine(items: list[torch.Tensor], g: torch.Generator) -> list[torch.Tensor]:
    start, end = random_affine(g, **MOTION_RANGES), random_affine(g, **MOTION_RANGES)
    weights = progress(random_easing(g), items[0].shape[0])
    params = [start.lerp(end, w) for w in weights]
    return [tf.warp_affine(x, params) for x in items]


def _static_affine(items: list[torch.Tensor], scale: tuple[float, float], g: torch.Generator) -> list[torch.Tensor]:
    params = random_affine(g, degrees=10.0, translate=0.1, scale=scale, shear=5.0)
    return [tf.warp_affine(x, [params] * x.shape[0]) for x in items]


def _random_square_crop(items: list[torch.Tensor], size: int, g: torch.Generator) -> list[torch.Tensor]:
    """The largest crop with aspect ratio ``U[0.9, 1.1]`` (log-uniform) at a random place, to size^2."""
    height, width = items[0].shape[-2:]
    ratio = math.exp(_uniform(g, math.log(0.9), math.log(1.1)))
    crop_w = min(width, round(height * ratio))
    crop_h = min(height, round(crop_w / ratio))
    top = int(torch.randint(height - crop_h + 1, (1,), generator=g))
    left = int(torch.randint(width - crop_w + 1, (1,), generator=g))
    return [tf.resized_crop(x, (top, left, crop_h, crop_w), (size, size)) for x in items]


def _noise(frames: torch.Tensor, g: torch.Generator) -> torch.Tensor:
    grain = int(torch.randint(1, 5, (1,), generator=g))
    sigma = _uniform(g, 0, 0.2 / grain)
    mono = _chance(g, 0.5)
    return (frames + tf.grain_noise(tuple(frames.shape), grain, sigma, mono, g)).clamp(0, 1)


def _jitter_draw(g: torch.Generator, strength: float) -> torch.Tensor:
    """Brightness, contrast, saturation factors in ``1 ± strength`` and hue in ``±strength / 2``."""
    factors = [_uniform(g, 1 - strength, 1 + strength) for _ in range(3)]
    return torch.tensor([*factors, _uniform(g, -strength / 2, strength / 2)])


def _motion_color_jitter(frames: torch.Tensor, g: torch.Generator) -> torch.Tensor:
    """Colour jitter that drifts from one draw to another over time. Each of brightness, contrast,
    saturation and hue uses its own draws (the original fed saturation the brightness draws)."""
    strength = _uniform(g, 0, 0.2)
    start, end = _jitter_draw(g, strength), _jitter_draw(g, strength)
    weights = torch.tensor(progress(_linear, frames.shape[0]))[:, None]
    params = start + (end - start) * weights
    return tf.color_jitter(frames, params[:, 0], params[:, 1], params[:, 2], params[:, 3])


def _linear(t: float) -> float:
    return t


def _motion_blur(fgr: torch.Tensor, pha: torch.Tensor, bgr: torch.Tensor, probability: float,
                 g: torch.Generator) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """With ``probability / 3`` each: blur fgr+pha, blur bgr, blur all three."""
    roll = _uniform(g, 0, 1)
    if roll >= probability:
        return fgr, pha, bgr
    sigmas = _blur_sigmas(g, fgr.shape[0], random_easing(g))
    if roll < probability / 3:
        return tf.gaussian_blur(fgr, sigmas), tf.gaussian_blur(pha, sigmas), bgr
    if roll < probability * 2 / 3:
        return fgr, pha, tf.gaussian_blur(bgr, sigmas)
    return tuple(tf.gaussian_blur(x, sigmas) for x in (fgr, pha, bgr))  # type: ignore[return-value]


def _blur_sigmas(g: torch.Generator, length: int, easing: Easing) -> list[float]:
    start, end = _uniform(g, 0, 10), _uniform(g, 0, 10)
    return [max(0.0, start + (end - start) * w) for w in progress(easing, length)]


def _pause(items: list[torch.Tensor], g: torch.Generator) -> list[torch.Tensor]:
    """Freezes every item on one frame for a random span (the same span for all items)."""
    length = items[0].shape[0]
    if length < 2:
        return items
    first = int(torch.randint(length - 1, (1,), generator=g))
    span = int(torch.randint(1, length - first + 1, (1,), generator=g))
    out = []
    for x in items:
        x = x.clone()
        x[first + 1 : first + span] = x[first]
        out.append(x)
    return out
