"""A one-line progress display (frames, fps, ETA) on a terminal; silent when stderr is a pipe or a file."""
from __future__ import annotations

import sys
import time
from typing import TextIO


def _clock(seconds: float) -> str:
    seconds = int(max(seconds, 0))
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


class Progress:
    """Counts frames and redraws ``label  done/total frames  fps  ETA`` at most every ``interval`` s.

    Args:
        label: shown first (usually the input's name).
        total: frames expected, 0 if unknown (then no ETA).
        enabled: draw at all; it is also off when ``stream`` is not a terminal.
    """

    def __init__(self, label: str, total: int = 0, enabled: bool = True, stream: TextIO | None = None,
                 interval: float = 0.25) -> None:
        self.stream = stream or sys.stderr
        self.enabled = enabled and self.stream.isatty()
        self.label, self.total, self.interval = label, total, interval
        self.done = 0
        self.start = time.perf_counter()
        self._drawn = 0.0

    @property
    def fps(self) -> float:
        """Frames per second so far."""
        elapsed = time.perf_counter() - self.start
        return self.done / elapsed if elapsed > 0 else 0.0

    def line(self) -> str:
        """The text of the display."""
        count = f"{self.done}/{self.total}" if self.total else f"{self.done}"
        text = f"{self.label}  {count} frames  {self.fps:5.1f} fps"
        if self.total and self.fps > 0:
            text += f"  ETA {_clock((self.total - self.done) / self.fps)}"
        return text

    def update(self, frames: int) -> None:
        """Count ``frames`` more and redraw if it is time."""
        self.done += frames
        now = time.perf_counter()
        if self.enabled and now - self._drawn >= self.interval:
            self._drawn = now
            self.stream.write("\r" + self.line() + "\033[K")
            self.stream.flush()

    def close(self) -> None:
        """Draw the final state and end the line."""
        if self.enabled:
            self.stream.write("\r" + self.line() + "\033[K\n")
            self.stream.flush()
