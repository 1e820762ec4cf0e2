"""An editor's cut list: the frames where new shots start, as frame numbers, timecodes or times.

One cut per line, or several separated by commas; blank lines and ``#`` comments are ignored::

    # shots of interview.mp4
    120                 a frame number (the first frame of the new shot; frame 0 is the first frame)
    00:00:08:12         a timecode HH:MM:SS:FF (FF frames at the nominal rate: 30 for 29.97 fps)
    00:01:00;02         a drop-frame timecode (29.97 and 59.94 fps), with ';' before the frames
    00:00:12.480        a time HH:MM:SS.mmm in seconds (also MM:SS.mmm), the frame nearest to it
    400, 512, 00:00:30:00

Timecodes and times count from the input's first frame, at ``00:00:00:00``.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from fractions import Fraction

from videomatte.errors import CutListError

TIMECODE = re.compile(r"^(\d+):(\d{1,2}):(\d{1,2})([:;])(\d{1,3})$")
CLOCK = re.compile(r"^(?:(\d+):)?(\d{1,2}):(\d{1,2}(?:\.\d+)?)$")
FORMS = "a frame number, HH:MM:SS:FF or HH:MM:SS.mmm"


@dataclass(frozen=True)
class Cut:
    """One entry of a cut list: ``kind`` ``frame`` (``value`` the number), ``time`` (``value`` seconds,
    exact) or ``timecode`` (``value`` ``(h, m, s, f)``; ``drop`` for drop-frame), and ``text`` as written."""

    kind: str
    value: object
    text: str
    drop: bool = False

    def frame(self, frame_rate: Fraction) -> int:
        """The number of the frame this cut starts at, for an input of ``frame_rate`` frames per second.

        Raises:
            CutListError: a timecode whose frames do not exist at this rate.
        """
        if self.kind == "frame":
            return int(self.value)
        if self.kind == "time":
            return round(Fraction(self.value) * frame_rate)
        return timecode_frame(*self.value, frame_rate, self.drop, self.text)


def timecode_frame(hours: int, minutes: int, seconds: int, frames: int, frame_rate: Fraction, drop: bool,
                   text: str = "") -> int:
    """The frame number of a SMPTE timecode at ``frame_rate`` (non-drop: frames at the rounded rate;
    drop-frame: two frame numbers skipped each minute but every tenth at 29.97, four at 59.94)."""
    nominal = round(frame_rate)
    shown = text or f"{hours:02d}:{minutes:02d}:{seconds:02d}:{frames:02d}"
    if frames >= nominal or minutes > 59 or seconds > 59:
        raise CutListError(f"timecode {shown} does not exist at {float(frame_rate):g} fps "
                           f"(frames 00-{nominal - 1:02d}, minutes and seconds 00-59)")
    number = ((hours * 60 + minutes) * 60 + seconds) * nominal + frames
    if not drop:
        return number
    if nominal not in (30, 60) or frame_rate.denominator == 1:
        raise CutListError(f"drop-frame timecode {shown} needs a 29.97 or 59.94 fps input, "
                           f"not {float(frame_rate):g} fps; write ':' before the frames")
    skipped = nominal // 15
    if seconds == 0 and minutes % 10 and frames < skipped:
        raise CutListError(f"drop-frame timecode {shown} does not exist (frames 00-{skipped - 1:02d} "
                           "are skipped at the start of every minute but every tenth)")
    total_minutes = hours * 60 + minutes
    return number - skipped * (total_minutes - total_minutes // 10)


def parse_cut(text: str) -> Cut | None:
    """One entry as written, or ``None`` when it is none of :data:`FORMS`."""
    if text.isdigit():
        return Cut("frame", int(text), text)
    match = TIMECODE.match(text)
    if match:
        hours, minutes, seconds, mark, frames = match.groups()
        return Cut("timecode", (int(hours), int(minutes), int(seconds), int(frames)), text, drop=mark == ";")
    match = CLOCK.match(text)
    if match and (match.group(1) is not None or "." in match.group(3)):
        hours, minutes, seconds = match.groups()
        if int(minutes) > 59 or Fraction(seconds) >= 60:
            return None
        return Cut("time", (int(hours or 0) * 60 + int(minutes)) * 60 + Fraction(seconds), text)
    return None


@dataclass(frozen=True)
class CutList:
    """The cuts of one input, as a file listed them (see the module docstring); ``name`` for messages."""

    cuts: tuple[Cut, ...]
    name: str = "cut list"

    @classmethod
    def parse(cls, text: str, name: str = "cut list") -> "CutList":
        """Read the text of a cut list.

        Raises:
            CutListError: an entry in none of the accepted forms (with its line), or no cut at all.
        """
        cuts = []
        for number, line in enumerate(text.splitlines(), start=1):
            for token in re.split(r"[,\s]+", line.split("#", 1)[0].strip()):
                if not token:
                    continue
                cut = parse_cut(token)
                if cut is None:
                    raise CutListError(f"{name}, line {number}: {token!r} is not {FORMS} "
                                       "(e.g. 120, 00:00:04:00 or 00:00:04.000)")
                cuts.append(cut)
        if not cuts:
            raise CutListError(f"{name}: no cut in it (one frame number or timecode per line; "
                               "--cuts off to use none)")
        return cls(tuple(cuts), name)

    @classmethod
    def read(cls, path: str | os.PathLike) -> "CutList":
        """Read a cut-list file (UTF-8 text).

        Raises:
            CutListError: a missing or unreadable file, or bad contents (see :meth:`parse`).
        """
        name = os.fspath(path)
        try:
            with open(name, encoding="utf-8-sig") as handle:
                text = handle.read()
        except FileNotFoundError:
            raise CutListError(f"--cuts {name}: no such file (give auto, off or a cut-list file)") from None
        except (OSError, UnicodeDecodeError) as err:
            raise CutListError(f"--cuts {name}: cannot be read as a text file ({err.__class__.__name__})") from None
        return cls.parse(text, f"cut list {name}")

    @classmethod
    def of_frames(cls, frames: tuple[int, ...] | list[int]) -> "CutList":
        """A cut list of frame numbers given from Python (``ConvertOptions(cuts=[120, 300])``)."""
        if any(isinstance(f, bool) or not isinstance(f, int) or f < 0 for f in frames):
            raise CutListError(f"cuts must be frame numbers (integers 0 or more), got {list(frames)!r}")
        return cls(tuple(Cut("frame", int(f), str(f)) for f in frames), "cuts")

    def frames(self, frame_rate: Fraction) -> frozenset[int]:
        """The numbers of the frames that start a new shot, at ``frame_rate`` (frame 0 left out: every
        input starts a shot there anyway)."""
        return frozenset(n for n in (cut.frame(Fraction(frame_rate)) for cut in self.cuts) if n > 0)
