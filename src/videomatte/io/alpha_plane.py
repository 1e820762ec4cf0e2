"""Writing a YUVA frame's alpha plane from the picture's own alpha, bypassing swscale.

swscale's sliced (threaded) conversion to ``yuva444p10le`` writes alpha 512/1023 into the first 8
pixels of the first row of some slices (rows 214 and 428 of a 640-row frame at 3 threads), so a
ProRes 4444 output showed a half-transparent speck where the matte is 0. Single-threaded it is exact
but slower; instead the colour is converted with threads and the alpha plane is then written here.
The 8-bit alpha conversions (``yuva420p``, ``yuva444p``, ``gbrap``) are not affected.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import av

DIRECT_ALPHA_BITS = {"yuva444p10le": 10}
"""Pixel formats whose alpha plane :func:`put_alpha_plane` writes, with their bits per sample."""


def alpha_samples(alpha: np.ndarray, bits: int) -> np.ndarray:
    """``uint8`` (0..255) or ``uint16`` (0..65535) alpha ``[H, W]`` rescaled to ``0..2**bits - 1``.

    Rounds to nearest, so 0 stays 0 and full stays full; returns ``uint32`` ``[H, W]``.
    """
    top = (1 << bits) - 1
    full = 65535 if alpha.dtype == np.uint16 else 255
    return (alpha.astype(np.uint32) * top + full // 2) // full


def put_alpha_plane(frame: "av.VideoFrame", alpha: np.ndarray, bits: int) -> None:
    """Overwrite the alpha plane (plane 3) of a planar little-endian ``frame`` of ``bits`` bits.

    Args:
        frame: a planar YUVA frame of the same size as ``alpha``.
        alpha: ``uint8`` or ``uint16`` ``[H, W]`` straight alpha (see :func:`alpha_samples`).
    """
    plane = frame.planes[3]
    sample = np.dtype("<u2") if bits > 8 else np.dtype(np.uint8)
    rows = np.frombuffer(plane, sample).reshape(plane.height, plane.line_size // sample.itemsize)
    rows[:, :plane.width] = alpha_samples(alpha, bits)
