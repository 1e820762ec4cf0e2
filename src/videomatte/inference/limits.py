"""What a frame size asks of the network and of memory, checked before a conversion starts.

* The network runs at ``floor(H * r) x floor(W * r)``: a conversion refuses a ratio that leaves it
  fewer than 64 pixels on the shorter side (the whole side of a smaller frame), with the smallest ratio
  that works for that size; a ``MattingSession`` used directly refuses only a zero-sized picture.
* A conversion's peak memory grows with the frame's pixels. Measured on the CPU (onnxruntime, one
  frame per call, the export for the size included): 0.88 GB at 1920x1080 and 2.4 GB at 3840x2160,
  i.e. about 0.4 GB plus 250 bytes a pixel for each frame in a chunk. A size whose estimate exceeds the
  limit is refused up front, never left to grow until the system kills it. The limit is
  ``$VIDEOMATTE_MAX_MEMORY`` (``24G``, ``8000M``) when set, else three quarters of the memory
  available when the conversion starts.
"""
from __future__ import annotations

import math
import os
import re

from videomatte.errors import FrameTooLargeError, OptionError, VideoMatteError
from videomatte.models.geometry import min_ratio, network_side, smallest_working_ratio, working_side
from videomatte.models.registry import auto_downsample_ratio

MAX_SIDE = 16384  # pixels: the largest frame side of video codecs' top levels and of players (16K video)
BASE_BYTES = 400e6
BYTES_PER_PIXEL = 250.0
MEMORY_VARIABLE = "VIDEOMATTE_MAX_MEMORY"
_UNITS = {"": 1, "k": 1e3, "m": 1e6, "g": 1e9, "t": 1e12}


def smallest_ratio(height: int, width: int, fewest: int | None = None) -> float:
    """The smallest downsample ratio, rounded up to 4 decimals, that leaves the network ``fewest`` pixels
    (default: 64, or the whole side of a smaller frame) on the shorter side of a ``height x width`` frame."""
    if fewest is None:
        return smallest_working_ratio(height, width)
    short = min(height, width)
    ratio = math.ceil(max(min_ratio(height, width), fewest / short) * 1e4) / 1e4
    while network_side(short, ratio) < fewest and ratio < 1.0:
        ratio = round(ratio + 1e-4, 4)
    return min(ratio, 1.0)


def check_ratio_fits(ratio: float | None, height: int, width: int, fewest: int | None = None) -> None:
    """Refuse a ratio that leaves the network too small a picture of a ``height x width`` frame.

    Args:
        fewest: pixels the network's input must keep on its shorter side; ``None`` is the conversion's
            rule (``geometry.MIN_WORKING_SIDE`` = 64, or the whole side of a smaller frame). A
            ``MattingSession`` used directly passes 1, the network's own limit.

    Raises:
        OptionError: naming the frame size, the network's picture and the smallest ratio that works.
    """
    if ratio is None:
        return
    need = working_side(height, width) if fewest is None else fewest
    if network_side(min(height, width), ratio) < need:
        inner = f"{network_side(width, ratio)}x{network_side(height, ratio)}"
        raise OptionError(f"--ratio {ratio:g} leaves the network {inner} pixels of a {width}x{height} frame; "
                          f"the smallest ratio that works here is {smallest_ratio(height, width, fewest):g} "
                          f"(at least {need} pixels on the shorter side)")


def check_frame_side(height: int, width: int) -> None:
    """Refuse a frame with a side longer than :data:`MAX_SIDE` (a 64x262208 picture made by the fuzzing
    campaign): the network keeps 64 pixels on the shorter side, so a thin frame's longer side would
    run at full size, for minutes a frame; video codecs refuse such sizes anyway.

    Raises:
        FrameTooLargeError: naming the size and the limit.
    """
    if max(height, width) > MAX_SIDE:
        raise FrameTooLargeError(f"{width}x{height} frames have a side longer than {MAX_SIDE} pixels; "
                                 "scale or crop the picture first")


def frame_memory(height: int, width: int, seq_chunk: int = 1) -> float:
    """Estimated peak bytes of converting ``height x width`` frames, ``seq_chunk`` frames a call."""
    return BASE_BYTES + BYTES_PER_PIXEL * height * width * max(seq_chunk, 1)


def parse_size(text: str) -> float:
    """``"24G"``, ``"8000M"``, ``"1.5g"``, ``"123456"`` (bytes) -> bytes."""
    match = re.fullmatch(r"\s*([0-9]*\.?[0-9]+)\s*([kmgt]?)i?b?\s*", text.lower())
    if match is None:
        raise VideoMatteError(f"${MEMORY_VARIABLE}={text!r} is not a size such as 24G or 8000M")
    return float(match.group(1)) * _UNITS[match.group(2)]


def available_memory() -> float | None:
    """Bytes of memory available now (``MemAvailable``), or ``None`` where it cannot be read."""
    try:
        with open("/proc/meminfo", encoding="ascii") as info:
            for line in info:
                if line.startswith("MemAvailable:"):
                    return float(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return float(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
    except (ValueError, OSError, AttributeError):
        return None


def memory_limit() -> tuple[float | None, str]:
    """The limit in bytes (``None``: unknown, no check) and where it comes from."""
    text = os.environ.get(MEMORY_VARIABLE)
    if text:
        return parse_size(text), f"${MEMORY_VARIABLE}"
    available = available_memory()
    return (None if available is None else 0.75 * available), "3/4 of the memory available"


def check_frame_memory(height: int, width: int, seq_chunk: int = 1) -> None:
    """Refuse a frame size whose conversion would not fit in :func:`memory_limit`.

    Raises:
        FrameTooLargeError: with the memory needed, the limit and how to raise it.
    """
    limit, origin = memory_limit()
    need = frame_memory(height, width, seq_chunk)
    if limit is not None and need > limit:
        raise FrameTooLargeError(
            f"{width}x{height} frames need about {need / 1e9:.1f} GB of memory, more than the limit of "
            f"{limit / 1e9:.1f} GB ({origin}); scale the video down, or set {MEMORY_VARIABLE}=SIZE "
            f"(such as {math.ceil(need / 1e9) + 1}G) to raise the limit")


def check_frame(height: int, width: int, ratio: float | None, seq_chunk: int = 1) -> None:
    """Both checks for an input of ``height x width`` frames at ``ratio`` (``None``: the automatic one),
    made before any network is loaded.

    Raises:
        OptionError: a ratio too small for the frame; FrameTooLargeError: frames too large for the memory,
            or with a side too long.
    """
    check_frame_side(height, width)
    check_ratio_fits(ratio if ratio is not None else auto_downsample_ratio(height, width), height, width)
    check_frame_memory(height, width, seq_chunk)
