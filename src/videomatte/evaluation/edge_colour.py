"""The edge-colour set: foregrounds whose truth is known, for measuring despill (``docs/quality.md``).

A person's alpha comes from the network on a real clip; the true foreground is the picture's colours
carried from the solid interior (alpha > 0.95) outward to every pixel (each takes the colour of its
nearest interior pixel); compositing it over a background by that alpha gives a frame whose foreground
is known exactly in the soft band, where the network's own foreground is contaminated.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage

INTERIOR = 0.95
BAND = (0.1, 0.9)
SATURATED = {"green": (0.0, 0.69, 0.25), "magenta": (0.85, 0.0, 0.85), "blue": (0.0, 0.28, 0.85)}
ORDINARY = {"gray": (0.5, 0.5, 0.5), "beige": (0.82, 0.72, 0.58)}
NEW_COLOUR = (0.95, 0.55, 0.1)  # the recomposite's background: far from every background above


def carry_foreground(image: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """Every pixel given the colour of its nearest interior pixel (``alpha > 0.95``).

    Args:
        image: ``[H, W, 3]`` float in 0..1.
        alpha: ``[H, W]`` float in 0..1, with at least one interior pixel.

    Returns:
        ``[H, W, 3]`` float32, equal to ``image`` inside the interior.
    """
    outside = alpha <= INTERIOR
    if outside.all():
        raise ValueError("no pixel with alpha > 0.95 to carry colours from")
    rows, cols = ndimage.distance_transform_edt(outside, return_distances=False, return_indices=True)
    return image[rows, cols].astype(np.float32)


def composite(fgr: np.ndarray, alpha: np.ndarray, background: np.ndarray | tuple) -> np.ndarray:
    """``alpha * fgr + (1 - alpha) * background``; ``fgr`` ``[H, W, 3]``, ``alpha`` ``[H, W]``,
    ``background`` an ``[H, W, 3]`` picture or an RGB triple, all in 0..1."""
    back = np.broadcast_to(np.asarray(background, np.float32), fgr.shape)
    return (alpha[..., None] * fgr + (1 - alpha[..., None]) * back).astype(np.float32)


@dataclass(frozen=True)
class EdgeErrors:
    """Mean absolute errors (0..1 units) in the band ``0.1 < true alpha < 0.9``.

    Attributes:
        foreground: ``|F - F*|`` over the band's pixels and channels.
        recomposite: ``|aF + (1-a)N - (a*F* + (1-a*)N)|`` over a new colour ``N`` (``a``: the alpha the
            estimate was made with, ``a*``: the true one).
        pixels: pixels in the band.
    """

    foreground: float
    recomposite: float
    pixels: int


def edge_errors(fgr: np.ndarray, alpha: np.ndarray, true_fgr: np.ndarray, true_alpha: np.ndarray,
                new_colour: tuple = NEW_COLOUR) -> EdgeErrors:
    """The errors of the foreground ``fgr`` ``[H, W, 3]`` made with ``alpha`` ``[H, W]``, against the
    truth (``true_fgr``, ``true_alpha``), in the true alpha's soft band."""
    band = (true_alpha > BAND[0]) & (true_alpha < BAND[1])
    if not band.any():
        return EdgeErrors(0.0, 0.0, 0)
    error = np.abs(fgr[band] - true_fgr[band]).mean()
    mixed = composite(fgr, alpha, new_colour)
    truth = composite(true_fgr, true_alpha, new_colour)
    return EdgeErrors(float(error), float(np.abs(mixed[band] - truth[band]).mean()), int(band.sum()))
