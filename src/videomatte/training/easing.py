"""Easing curves that shape the motion of the augmentation over a sequence (rvm-facts §1.8).

A curve maps progress ``t`` in [0, 1] to a blend weight (mostly in [0, 1]; Back and Elastic overshoot).
"""
from __future__ import annotations

from typing import Callable

import easing_functions
import torch

Easing = Callable[[float], float]

_FAMILIES = ("Back", "Bounce", "Circular", "Cubic", "Exponential", "Elastic", "Quad", "Quartic", "Quintic", "Sine")
_KINDS = ("EaseIn", "EaseOut", "EaseInOut")
LINEAR_PROBABILITY = 0.2


def step(t: float) -> float:
    """A hard cut halfway through: 0 below ``t = 0.5``, 1 from there on."""
    return 0.0 if t < 0.5 else 1.0


def _library_curves() -> list[Easing]:
    curves = []
    for family in _FAMILIES:
        for kind in _KINDS:
            curve = getattr(easing_functions, f"{family}{kind}")(start=0, end=1, duration=1)
            curves.append(curve.ease)
    return curves


CURVES: tuple[Easing, ...] = (*_library_curves(), step)
"""The 30 curves of ``easing_functions`` (10 families x In/Out/InOut) followed by :func:`step`."""

LINEAR: Easing = easing_functions.LinearInOut(start=0, end=1, duration=1).ease


def random_easing(generator: torch.Generator) -> Easing:
    """``LinearInOut`` with probability 0.2, else one of :data:`CURVES` uniformly."""
    if float(torch.rand((), generator=generator)) < LINEAR_PROBABILITY:
        return LINEAR
    return CURVES[int(torch.randint(len(CURVES), (1,), generator=generator))]


def progress(easing: Easing, length: int) -> list[float]:
    """``easing(t / (length - 1))`` for each of ``length`` frames (``[easing(0)]`` for one frame)."""
    if length == 1:
        return [float(easing(0.0))]
    return [float(easing(t / (length - 1))) for t in range(length)]
