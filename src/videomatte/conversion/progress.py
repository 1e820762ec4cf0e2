"""Progress of a conversion (frames, fps, ETA), drawn by tqdm on a terminal; silent when stderr is a
pipe or a file.

The counter is a real ``tqdm.tqdm`` even when nothing is drawn, so that a tracker patched into tqdm
(Gradio's ``gr.Progress(track_tqdm=True)`` in ``videomatte serve``) follows every conversion.
"""
from __future__ import annotations

import sys
import time
from typing import TextIO

from tqdm import tqdm


class Progress:
    """Counts frames of one input and shows ``label  done/total frames  fps  ETA`` on a terminal.

    Args:
        label: shown first (usually the input's name).
        total: frames expected, 0 if unknown (then no ETA).
        enabled: draw at all; it is also off when ``stream`` is not a terminal.
        stream: where to draw (default stderr).
        interval: least seconds between two redraws.
    """

    def __init__(self, label: str, total: int = 0, enabled: bool = True, stream: TextIO | None = None,
                 interval: float = 0.25) -> None:
        self.stream = stream or sys.stderr
        self.enabled = bool(enabled) and self.stream.isatty()
        self.label, self.total = label, total
        self.done = 0
        self.start = time.perf_counter()
        self._bar = tqdm(total=total or None, desc=label, unit=" frames", file=self.stream,
                         disable=not self.enabled, mininterval=interval, dynamic_ncols=True,
                         bar_format=None if not self.enabled else _bar_format(total))

    @property
    def fps(self) -> float:
        """Frames per second so far."""
        elapsed = time.perf_counter() - self.start
        return self.done / elapsed if elapsed > 0 else 0.0

    def update(self, frames: int) -> None:
        """Count ``frames`` more and redraw if it is time."""
        self.done += frames
        self._bar.update(frames)

    def close(self) -> None:
        """Draw the final state and end the line."""
        self._bar.close()


def _bar_format(total: int) -> str:
    """tqdm's format: ``label  12/50 frames  9.8 frames/s  ETA 0:00:04`` (no ETA when total is unknown)."""
    if not total:
        return "{desc}  {n_fmt} frames  {rate_noinv_fmt}"
    return "{desc}  {n_fmt}/{total_fmt} frames  {rate_noinv_fmt}  ETA {remaining}  {bar:20}"
