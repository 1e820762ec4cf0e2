"""``QualityController``: keeps ``--quality auto`` adjusting while the loop runs, from what the whole loop does.

The warm-up picks a mode from one frame's timing (the conversion, the network, the composite, a
recording's encoder on a scratch file); what it cannot see (the source's decoding, the threads taking
turns on the cores, anything else running) only shows once frames flow. The
controller watches the frames that went out over a sliding window and moves along the ladder of modes
(best first, as in :data:`videomatte.live.quality.MODES`):

- **down** one mode when, over the last ``window_s`` seconds, more than ``drop_limit`` of the frames
  captured were dropped or the p95 capture-to-output latency passed the budget;
- **up** one mode when, for ``up_after_s`` seconds, almost nothing was dropped (``room_drop``) and the
  p95 latency stayed under ``room_share`` of the budget.

The warm-up's guess is judged sooner, over ``first_window_s``: until the first change a mode that
cannot hold shows it within a second, and every frame of that time is late (the first 3 s at a mode too
slow made the p95 of a 40 s run in the web page, and the first 1.6 s that of a 5 s recording at 720p
with a 1.5 s window, where 1 s met it; docs/live.md).

Hysteresis keeps it from flapping: the thresholds for going up are well inside those for coming down,
every change is followed by ``settle_s`` seconds in which nothing is judged (the frames in flight were
begun at the old ratio) and a fresh window, and each time a mode proves too slow after a step up, the
wait before trying it again doubles (``backoff``). Pure logic on numbers handed in (no clock, no
threads): ``observe(now, captured, latencies)`` with monotonic seconds.
"""
from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class Rung:
    """One mode of the ladder: its name (``high``, ``balanced``, ``fast``) and downsample ratio."""

    mode: str
    ratio: float


@dataclass(frozen=True)
class ControlSettings:
    """The controller's thresholds (seconds, shares in 0..1); see the module's description."""

    window_s: float = 3.0
    first_window_s: float = 1.0  # the window that judges the warm-up's choice, until the first change
    drop_limit: float = 0.05
    room_drop: float = 0.01
    room_share: float = 0.7
    up_after_s: float = 6.0
    settle_s: float = 1.0
    backoff: float = 2.0
    min_frames: int = 10  # a window with fewer frames captured is not judged (a slow source)


@dataclass(frozen=True)
class Change:
    """A step of the controller: from ``before`` to ``after`` at ``ratio``, and the window that decided it."""

    at: float
    before: str
    after: str
    ratio: float
    p95_ms: float
    dropped_pct: float
    window_s: float

    def describe(self) -> str:
        """``quality fast -> balanced (p95 62 ms, 0 % dropped over 3 s)``."""
        return (f"quality {self.before} -> {self.after} (p95 {self.p95_ms:.0f} ms, {self.dropped_pct:.0f} % "
                f"dropped over {self.window_s:g} s)")

    def as_dict(self, started: float = 0.0) -> dict[str, object]:
        """For the ``--stats`` JSON; ``at`` counted from ``started``."""
        return {"at_s": round(self.at - started, 2), "from": self.before, "to": self.after,
                "ratio": round(self.ratio, 4), "p95_ms": round(self.p95_ms, 1),
                "dropped_pct": round(self.dropped_pct, 1)}


@dataclass
class _Window:
    """Ticks (time, frames captured so far, frames output so far) and per-frame latencies, newest last."""

    ticks: deque = field(default_factory=deque)
    latencies: deque = field(default_factory=deque)


class QualityController:
    """Steps along ``ladder`` (best mode first) from ``start`` as the loop's drops and latency ask.

    Args:
        ladder: the modes for the current frame size, best first, ratios distinct.
        start: index of the mode in use.
        latency_budget_s: the p95 capture-to-output latency allowed.
        settings: thresholds (:class:`ControlSettings`).
    """

    def __init__(self, ladder: Sequence[Rung], start: int, latency_budget_s: float,
                 settings: ControlSettings | None = None) -> None:
        if not ladder or not 0 <= start < len(ladder):
            raise ValueError(f"start {start} is not a rung of a ladder of {len(ladder)}")
        self.ladder, self.index, self.budget = list(ladder), start, latency_budget_s
        self.settings = settings or ControlSettings()
        self._window = _Window()
        self._since = -np.inf  # judging starts here (after the settle time of the last change)
        self._room_since: float | None = None
        self._waits = [self.settings.up_after_s] * len(self.ladder)  # before stepping up to each rung
        self._stepped_up_to: int | None = None  # the rung last reached by a step up, until it is left
        self._window_s = self.settings.first_window_s

    @property
    def rung(self) -> Rung:
        """The mode in use."""
        return self.ladder[self.index]

    def observe(self, now: float, captured: int, processed: int, latencies: Sequence[float]) -> Change | None:
        """Take one tick: ``captured``/``processed`` are the run's totals so far, ``latencies`` (seconds)
        those of the frames output since the last tick. Returns the step to make, or ``None``."""
        s, w = self.settings, self._window
        if now < self._since:
            return None
        w.ticks.append((now, captured, processed))
        w.latencies.extend((now, value) for value in latencies)
        start = now - self._window_s
        while len(w.ticks) > 1 and w.ticks[1][0] <= start:
            w.ticks.popleft()
        while w.latencies and w.latencies[0][0] < start:
            w.latencies.popleft()
        first = w.ticks[0]
        if now - first[0] < self._window_s * 0.999 or captured - first[1] < s.min_frames:
            return None  # not a full window yet
        dropped = max(0.0, 1.0 - (processed - first[2]) / max(captured - first[1], 1))
        p95 = float(np.percentile([v for _, v in w.latencies], 95)) if w.latencies else np.inf
        return self._judge(now, dropped, p95)

    def _judge(self, now: float, dropped: float, p95: float) -> Change | None:
        s = self.settings
        if (dropped > s.drop_limit or p95 > self.budget) and self.index < len(self.ladder) - 1:
            if self._stepped_up_to == self.index:
                self._waits[self.index] *= s.backoff  # it was tried and did not hold: wait longer next time
            return self._step(now, self.index + 1, dropped, p95)
        if dropped <= s.room_drop and p95 <= s.room_share * self.budget:
            if self._room_since is None:
                self._room_since = now - self._window_s
            if self.index > 0 and now - self._room_since >= self._waits[self.index - 1]:
                return self._step(now, self.index - 1, dropped, p95)
        else:
            self._room_since = None
        return None

    def _step(self, now: float, index: int, dropped: float, p95: float) -> Change:
        change = Change(now, self.rung.mode, self.ladder[index].mode, self.ladder[index].ratio, p95 * 1000,
                        dropped * 100, self._window_s)
        self._window_s = self.settings.window_s
        self._stepped_up_to = index if index < self.index else None
        self.index = index
        self._since = now + self.settings.settle_s
        self._window = _Window()
        self._room_since = None
        return change
