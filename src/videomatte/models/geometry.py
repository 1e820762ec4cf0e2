"""The network's geometry as plain arithmetic (no torch): the size of its input and of its recurrent
states for a frame size and a downsample ratio, the smallest ratio it accepts, and the one range check of
a ratio."""
from __future__ import annotations

import math

from videomatte.errors import OptionError

MIN_INPUT = 1  # pixels of the network's input (after downsampling) along each side


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
