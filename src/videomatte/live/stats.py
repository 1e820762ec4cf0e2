"""Counters and latencies of a live run: the one-line readout and the ``--stats`` JSON."""
from __future__ import annotations

import json
import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from videomatte.live.quality_control import Change


@dataclass
class LiveStats:
    """What a live run did. Times are ``time.monotonic()`` seconds; latencies are capture to output.

    Attributes:
        frames_captured: frames the source delivered.
        frames_processed: frames matted and handed to every output.
        frames_dropped: frames captured but never output (stale, paused, or superseded at the output).
        ratio: downsample ratio in use at the end; quality: the mode asked for; chosen: what it picked.
        interrupted: the run ended by Ctrl-C (or a window's quit key).
        cuts: shot cuts found in the frames matted (``--cuts auto``), where the state was reset.
        warmup_seconds: the quality setting's timing runs and graph exports on the first frame, before
            the loop starts (``started``); a file or pattern source waits for it, a camera does not.
        quality_changes: the steps ``--quality auto`` made while running (``live.quality_control.Change``).
        frames_recorded, record_wait_seconds: frames the recording wrote, and how long the finishing
            thread waited for its encoder (its queue full).
    """

    frames_captured: int = 0
    frames_processed: int = 0
    frames_dropped: int = 0
    ratio: float | None = None
    quality: str = "auto"
    chosen: str = ""
    backend: str = ""
    interrupted: bool = False
    started: float = field(default_factory=time.monotonic)
    ended: float | None = None
    warmup_seconds: float = 0.0
    cuts: int = 0
    latencies: list[float] = field(default_factory=list)
    quality_changes: list[Change] = field(default_factory=list)
    frames_recorded: int | None = None
    record_wait_seconds: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def captured(self) -> None:
        with self._lock:
            self.frames_captured += 1

    def dropped(self, count: int = 1) -> None:
        with self._lock:
            self.frames_dropped += count

    def processed(self, captured_at: float) -> None:
        """One frame went out; ``captured_at`` is when its source frame arrived."""
        now = time.monotonic()
        with self._lock:
            self.frames_processed += 1
            self.latencies.append(now - captured_at)
            self.ended = now

    def since(self, seen: int) -> tuple[int, int, list[float]]:
        """Frames captured and output so far, and the latencies (seconds) of the outputs after the first ``seen``."""
        with self._lock:
            return self.frames_captured, self.frames_processed, self.latencies[seen:]

    def changed_quality(self, change: Change) -> None:
        """A step of the quality controller (``ratio`` and ``chosen`` follow once a frame begins with it)."""
        with self._lock:
            self.quality_changes.append(change)

    @property
    def fps(self) -> float:
        """Output frames per second, from the start of the loop (after the warm-up) to the last frame out."""
        end = self.ended if self.ended is not None else time.monotonic()
        return self.frames_processed / (end - self.started) if end > self.started else 0.0

    def latency_ms(self) -> dict[str, float]:
        """``{"p50", "p95", "max"}`` of the capture-to-output latency in milliseconds (0 with no frames)."""
        with self._lock:
            values = np.array(self.latencies) * 1000.0
        if not len(values):
            return {"p50": 0.0, "p95": 0.0, "max": 0.0}
        p50, p95 = np.percentile(values, [50, 95])
        return {"p50": round(float(p50), 1), "p95": round(float(p95), 1), "max": round(float(values.max()), 1)}

    def as_dict(self) -> dict[str, object]:
        """The ``--stats`` JSON object (the keys scripts read, plus what was chosen)."""
        return {"frames_captured": self.frames_captured, "frames_processed": self.frames_processed,
                "frames_dropped": self.frames_dropped, "fps": round(self.fps, 2), "latency_ms": self.latency_ms(),
                "ratio": self.ratio, "quality": self.quality, "chosen": self.chosen, "backend": self.backend,
                "interrupted": self.interrupted, "warmup_s": round(self.warmup_seconds, 3), "cuts": self.cuts,
                "quality_changes": [c.as_dict(self.started) for c in self.quality_changes],
                "frames_recorded": self.frames_recorded, "record_wait_s": round(self.record_wait_seconds, 3)}

    def readout(self) -> str:
        """One line: frames in and out, dropped, latency, ratio."""
        latency = self.latency_ms()
        elapsed = max(time.monotonic() - self.started, 1e-9)
        share = 100.0 * self.frames_dropped / max(self.frames_captured, 1)
        return (f"in {self.frames_captured / elapsed:5.1f} fps  out {self.fps:5.1f} fps  "
                f"dropped {self.frames_dropped} ({share:.0f}%)  latency p50 {latency['p50']:.0f} ms "
                f"p95 {latency['p95']:.0f} ms  ratio {self.ratio if self.ratio is None else round(self.ratio, 3)}")

    def write(self, path: str | os.PathLike) -> None:
        """Save :meth:`as_dict` as JSON (under a temporary name, then renamed)."""
        target = Path(path)
        temp = target.parent / f".{target.name}.partial-{os.getpid()}"
        temp.write_text(json.dumps(self.as_dict(), indent=2) + "\n")
        os.replace(temp, target)
