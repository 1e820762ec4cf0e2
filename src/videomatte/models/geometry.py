"""The network's geometry as plain arithmetic (no torch): the size of its input and of its recurrent
states for a frame size and a downsample ratio, the smallest ratio it accepts, and the one range check of
a ratio."""
from __future__ import annotations

import math

from videomatte.errors import OptionError

MIN_INPUT = 1  # pixels of the network's input (after downsampling) along each side
# Pixels on the shorter side of the network's input below which a conversion is refused: at 64 the
# encoder's deepest features are 2x2 and the mattes of the official weights are still whole people;
# a 360x640 clip at ratio 0.01 (a 3x6 input) gave an all-transparent video. Frames smaller than this
# run at ratio 1.
MIN_WORKING_SIDE = 64


def state_size(height: int, width: int, ratio: float, stride: int) -> tuple[int, int]:
    """Spatial size of a state at ``stride`` for a ``height x width`` frame at ``ratio``: the network
    input is ``floor(H*r) x floor(W*r)`` and every level halves it, rounding up."""
    h, w = (int(height * ratio), int(width * ratio)) if ratio != 1.0 else (height, width)
    return -(-h // stride), -(-w // stride)


def min_ratio(height: int, width: int) -> float:
    """The smallest downsample ratio that leaves the network an input of at least ``MIN_INPUT`` pixels
    per side for a ``height x width`` frame."""
    side = min(height, width)
    ratio = MIN_INPUT / side
    return ratio if int(side * ratio) >= MIN_INPUT else math.nextafter(ratio, 1.0)


def check_ratio(ratio: float | None, flag: str = "downsample ratio",
                error: type[OptionError] = OptionError) -> float | None:
    """``ratio`` when it is ``None`` (automatic) or in (0, 1]; the one range check of a ratio.

    Raises:
        OptionError: (or the subclass ``error``) naming ``flag`` and the value.
    """
    if ratio is not None and not 0 < ratio <= 1:
        raise error(f"{flag} must be in (0, 1], got {ratio:g}")
    return ratio


def network_side(side: int, ratio: float) -> int:
    """Pixels of the network's input along a frame side of ``side`` pixels at ``ratio``."""
    return side if ratio == 1.0 else int(side * ratio)


def working_side(height: int, width: int) -> int:
    """Fewest pixels the network's input must keep on its shorter side: ``MIN_WORKING_SIDE``, or the
    whole shorter side of a frame smaller than that."""
    return min(MIN_WORKING_SIDE, height, width)


def smallest_working_ratio(height: int, width: int) -> float:
    """The smallest ratio, rounded up to 4 decimals, that leaves the network :func:`working_side`
    pixels on the shorter side of a ``height x width`` frame (1.0 for frames smaller than 64)."""
    short, need = min(height, width), working_side(height, width)
    ratio = math.ceil(need / short * 1e4) / 1e4
    while network_side(short, ratio) < need and ratio < 1.0:
        ratio = round(ratio + 1e-4, 4)
    return min(ratio, 1.0)
