"""What a frame size asks of the network and of memory, checked before a conversion starts.

* The network runs at ``floor(H * r) x floor(W * r)``: a ratio that leaves it no pixel on a side is
  refused with the smallest ratio that works for that size.
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
from videomatte.models.geometry import min_ratio
from videomatte.models.registry import auto_downsample_ratio

BASE_BYTES = 400e6
BYTES_PER_PIXEL = 250.0
MEMORY_VARIABLE = "VIDEOMATTE_MAX_MEMORY"
_UNITS = {"": 1, "k": 1e3, "m": 1e6, "g": 1e9, "t": 1e12}


def smallest_ratio(height: int, width: int) -> float:
    """The smallest downsample ratio, rounded up to 4 decimals, that leaves the network at least one
    pixel on the shorter side of a ``height x width`` frame (``models.geometry.min_ratio``, for people)."""
    short = min(height, width)
    ratio = math.ceil(min_ratio(height, width) * 1e4) / 1e4
    while math.floor(short * ratio) < 1:
        ratio += 1e-4
    return min(round(ratio, 4), 1.0)


def check_ratio_fits(ratio: float | None, height: int, width: int) -> None:
    """Refuse a ratio that leaves the network a zero-sized picture.

    Raises:
        VideoMatteError: naming the frame size and the smallest ratio that works.
    """
    if ratio is None:
        return
    if ratio < min_ratio(height, width):
        inner = f"{math.floor(width * ratio)}x{math.floor(height * ratio)}"
        raise OptionError(f"--ratio {ratio:g} leaves the network {inner} pixels of a {width}x{height} "
                              f"frame; the smallest ratio that works here is {smallest_ratio(height, width):g}")


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
        OptionError: a ratio too small for the frame; FrameTooLargeError: frames too large for the memory.
    """
    check_ratio_fits(ratio if ratio is not None else auto_downsample_ratio(height, width), height, width)
    check_frame_memory(height, width, seq_chunk)
