"""``AdaptiveQuality``: the quality controller wired to a running loop.

The watching thread ticks it (``tick``) with what the run's statistics gained since the last tick; a
step it decides is logged, kept in ``LiveStats.quality_changes`` and published as ``rung``, which the
begin thread applies before the next frame it begins (the network's state restarts at a new ratio, as
its sizes follow the ratio). Only ``--quality auto`` adapts; a fixed mode or ``--ratio`` stays put.
"""
from __future__ import annotations

import logging
import threading
import time
from typing import TYPE_CHECKING

from videomatte.live.quality import MODES, mode_ratio
from videomatte.live.quality_control import ControlSettings, QualityController, Rung
from videomatte.live.stats import LiveStats

if TYPE_CHECKING:
    import numpy as np

    from videomatte.inference.session import MattingSession

log = logging.getLogger("videomatte.live")
LATENCY_FRAMES = 2.7  # p95 capture-to-output latency allowed, in frame intervals (90 ms at 30 fps)
TICK_S = 0.25


def ladder(width: int, height: int) -> list[Rung]:
    """The modes for a ``width x height`` frame, best first, each ratio once."""
    rungs: list[Rung] = []
    for mode in MODES:
        ratio = mode_ratio(mode, width, height)
        if all(r.ratio != ratio for r in rungs):
            rungs.append(Rung(mode, ratio))
    return rungs


def prepare_ladder(session: MattingSession, image: np.ndarray) -> None:
    """Run one frame at every mode's ratio, so that a step while running finds its graphs exported and
    loaded (the first run at a size and ratio exports one: seconds, then cached on disk). Leaves the
    session's ratio and state to the caller."""
    height, width = image.shape[:2]
    for rung in ladder(width, height):
        session.fixed_ratio = rung.ratio
        session.step(image)


class AdaptiveQuality:
    """Runs a :class:`QualityController` for the frame size in use; thread-safe.

    Args:
        stats: the run's statistics (read at each tick; changes are appended to them).
        fps: the source's frame rate (sets the latency budget, ``LATENCY_FRAMES`` intervals).
        settings: the controller's thresholds.
    """

    def __init__(self, stats: LiveStats, fps: float, settings: ControlSettings | None = None) -> None:
        self.stats, self.budget_s, self.settings = stats, LATENCY_FRAMES / fps, settings
        self._lock = threading.Lock()
        self._controller: QualityController | None = None
        self._seen = 0
        self._last_tick = 0.0
        self.rung: Rung | None = None  # the mode the begin thread should use

    def restart(self, width: int, height: int, ratio: float) -> None:
        """A new frame size, whose warm-up chose ``ratio``: control along its ladder from there."""
        rungs = ladder(width, height)
        start = min(range(len(rungs)), key=lambda i: abs(rungs[i].ratio - ratio))
        with self._lock:
            self._controller = QualityController(rungs, start, self.budget_s, self.settings)
            self._seen = self.stats.frames_processed
            self.rung = rungs[start]

    def tick(self, now: float | None = None) -> None:
        """Feed the controller what happened since the last tick (at most every ``TICK_S``); make its step."""
        now = time.monotonic() if now is None else now
        with self._lock:
            if self._controller is None or now - self._last_tick < TICK_S:
                return
            self._last_tick = now
            captured, processed, latencies = self.stats.since(self._seen)
            self._seen += len(latencies)
            change = self._controller.observe(now, captured, processed, latencies)
            if change is None:
                return
            self.rung = self._controller.rung
        self.stats.changed_quality(change)
        log.info("live: %s", change.describe())
