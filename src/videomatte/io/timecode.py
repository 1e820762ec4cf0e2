"""Times a user writes: seconds (``12.5``) or a timecode (``HH:MM:SS.mmm``, ``MM:SS``), as seconds."""
from __future__ import annotations

import math
import re

from videomatte.errors import OptionError

_TIMECODE = re.compile(r"(?:(\d+):)?(\d{1,2}):(\d{1,2}(?:\.\d+)?)")


def parse_time(value: float | int | str, option: str) -> float:
    """Seconds from ``12.5``, ``"12.5"``, ``"1:02.5"`` or ``"00:01:02.500"``.

    Args:
        value: a number of seconds, or its text, or a timecode (minutes and seconds below 60).
        option: the flag's name, for the message (``"--start"``).

    Returns:
        Seconds, finite and 0 or more.

    Raises:
        OptionError: not a time, or a negative one.
    """
    text = str(value).strip()
    match = _TIMECODE.fullmatch(text)
    if match:
        hours, minutes, seconds = int(match.group(1) or 0), int(match.group(2)), float(match.group(3))
        if minutes >= 60 or seconds >= 60:
            raise OptionError(f"{option}: {text!r} is not a timecode (minutes and seconds go up to 59)")
        return hours * 3600 + minutes * 60 + seconds
    try:
        seconds = float(text)
    except ValueError:
        raise OptionError(f"{option} takes seconds (12.5) or a timecode (HH:MM:SS.mmm), not {text!r}") from None
    if not math.isfinite(seconds):
        raise OptionError(f"{option} takes a finite number of seconds, not {text!r}")
    if seconds < 0:
        raise OptionError(f"{option} must be 0 or more, got {text}")
    return seconds


def parse_range(start: float | int | str | None, duration: float | int | str | None) -> tuple[float | None, float | None]:
    """``(start, duration)`` in seconds (``None`` where not given): ``start`` 0 or more, ``duration`` above 0.

    Raises:
        OptionError: a value that is not a time, negative, or a duration of 0.
    """
    begin = None if start is None else parse_time(start, "--start")
    length = None if duration is None else parse_time(duration, "--duration")
    if length is not None and length <= 0:
        raise OptionError(f"--duration must be above 0, got {duration}")
    return begin, length


def format_time(seconds: float) -> str:
    """``75.5`` -> ``"75.5 s"`` (the form messages use)."""
    return f"{seconds:.6g} s"
