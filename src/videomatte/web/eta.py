"""Frames per second and time left, added to the description of Gradio's progress bar.

Gradio's ``gr.Progress(track_tqdm=True)`` follows the conversion's tqdm counter (frames done of the
total) but shows only the elapsed time. While a conversion runs, :class:`FrameEta` watches the counters
Gradio tracks and rewrites their description as ``clip.mp4 · 9.8 fps · ETA 0:00:04``; the next frame's
update carries it to the page.
"""
from __future__ import annotations

import threading
import time

import gradio as gr


def clock(seconds: float) -> str:
    """``H:MM:SS`` of a non-negative duration."""
    seconds = int(max(seconds, 0) + 0.5)
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


class FrameEta:
    """A context manager: while it is open, every ``interval`` s, the tracked counters of ``progress``
    get their rate and ETA in their description.

    Args:
        progress: the handler's ``gr.Progress(track_tqdm=True)``.
        interval: seconds between two rewrites.
    """

    def __init__(self, progress: gr.Progress, interval: float = 0.1) -> None:
        self.progress, self.interval = progress, interval
        self._seen: dict[int, tuple[str, float, float]] = {}  # id -> (description, first time, first count)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="videomatte-eta", daemon=True)

    def __enter__(self) -> "FrameEta":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            for tracked in list(getattr(self.progress, "iterables", [])):
                self.annotate(tracked, time.perf_counter())

    def annotate(self, tracked: object, now: float) -> None:
        """Rewrite one tracked counter's description (it has ``index``, ``length`` and ``desc``)."""
        index, length = getattr(tracked, "index", None), getattr(tracked, "length", None)
        if index is None or not length:
            return
        key = id(tracked)
        if key not in self._seen:
            self._seen[key] = (str(getattr(tracked, "desc", "") or ""), now, float(index))
            return
        label, start, first = self._seen[key]
        if index <= first or now <= start:
            return
        fps = (index - first) / (now - start)
        tracked.desc = f"{label} · {fps:.1f} fps · ETA {clock((length - index) / fps)}"  # type: ignore[attr-defined]
