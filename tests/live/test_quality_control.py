"""The quality controller on made-up timings: steps down on drops or latency, up after room, no flapping."""
from __future__ import annotations

import pytest

from videomatte.live.adaptive import ladder
from videomatte.live.quality_control import ControlSettings, QualityController, Rung

LADDER = [Rung("high", 0.4), Rung("balanced", 0.25), Rung("fast", 0.2)]
BUDGET = 0.090
FPS = 30


class Feed:
    """Ticks a controller every 0.25 s as a 30 fps source would: ``drop`` of the frames lost, each output
    ``latency`` seconds late; keeps every change it made."""

    def __init__(self, controller: QualityController) -> None:
        self.controller, self.now, self.captured, self.processed = controller, 0.0, 0, 0
        self.changes: list = []

    def run(self, seconds: float, latency: float, drop: float = 0.0) -> None:
        for _ in range(round(seconds / 0.25)):
            self.now += 0.25
            captured = 8  # about 30 fps
            out = round(captured * (1 - drop))
            self.captured += captured
            self.processed += out
            change = self.controller.observe(self.now, self.captured, self.processed, [latency] * out)
            if change is not None:
                self.changes.append(change)


def _feed(start: int = 0, **settings: float) -> Feed:
    return Feed(QualityController(LADDER, start, BUDGET, ControlSettings(**settings)))


def test_holds_its_mode_while_the_loop_keeps_up() -> None:
    feed = _feed(start=0)
    feed.run(30, latency=0.075)  # inside the budget, but not room enough to step up (0.7 x 90 = 63 ms)
    assert feed.changes == [] and feed.controller.rung.mode == "high"


def test_steps_down_when_frames_drop_and_says_why() -> None:
    feed = _feed(start=0)
    feed.run(1.0, latency=0.05, drop=0.3)
    assert feed.changes == []  # not a full window yet (the warm-up's choice is judged over 1 s)
    feed.run(0.25, latency=0.05, drop=0.3)
    (change,) = feed.changes
    assert (change.before, change.after, change.ratio) == ("high", "balanced", 0.25)
    assert change.describe() == "quality high -> balanced (p95 50 ms, 25 % dropped over 1 s)"
    assert change.as_dict(started=1.0)["at_s"] == pytest.approx(change.at - 1.0)


def test_steps_down_when_p95_latency_passes_the_budget_then_stops_at_the_last_mode() -> None:
    feed = _feed(start=0)
    feed.run(30, latency=0.120)  # nothing dropped, but every frame late
    assert [(c.before, c.after) for c in feed.changes] == [("high", "balanced"), ("balanced", "fast")]
    assert feed.changes[1].at - feed.changes[0].at == pytest.approx(4.0)  # settle 1 s, then a fresh 3 s window
    assert feed.controller.rung.mode == "fast"


def test_steps_up_only_after_room_for_a_while() -> None:
    feed = _feed(start=2)
    feed.run(5.5, latency=0.040)
    assert feed.changes == []  # room, but not yet for 6 s
    feed.run(1.0, latency=0.040)
    assert [(c.before, c.after) for c in feed.changes] == [("fast", "balanced")]


def test_a_mode_that_fails_after_a_step_up_waits_twice_as_long_to_be_tried_again() -> None:
    feed = _feed(start=1)
    feed.run(6.5, latency=0.040)  # room at balanced for 6 s after the first full window: up to high
    assert [c.after for c in feed.changes] == ["high"]
    feed.run(4.0, latency=0.110)  # high does not hold: back down
    assert [c.after for c in feed.changes] == ["high", "balanced"]
    down = feed.changes[-1].at
    feed.run(11.0, latency=0.040)  # room again, but high now needs 12 s of it (plus the settle time)
    assert len(feed.changes) == 2
    feed.run(2.5, latency=0.040)
    assert [c.after for c in feed.changes] == ["high", "balanced", "high"]
    assert feed.changes[-1].at - down >= 12.0


def test_latency_between_room_and_budget_neither_steps_up_nor_down() -> None:
    """Hysteresis: the band between 0.7 x budget and the budget is dead, so a loop at 70-90 ms stays."""
    feed = _feed(start=1)
    feed.run(40, latency=0.080, drop=0.02)
    assert feed.changes == []


def test_a_slow_source_is_not_judged_on_too_few_frames() -> None:
    controller = QualityController(LADDER, 0, BUDGET, ControlSettings(min_frames=10))
    changes = [controller.observe(t * 0.5, t, max(t - 1, 0), [1.0]) for t in range(1, 8)]
    assert changes == [None] * 7  # 3 s at 2 fps: 6 frames in the window


def test_the_ladder_of_a_frame_size_has_each_ratio_once() -> None:
    assert [(r.mode, round(r.ratio, 3)) for r in ladder(1280, 720)] == [("high", 0.4), ("balanced", 0.25),
                                                                        ("fast", 0.2), ("lowest", 0.125)]
    assert [r.mode for r in ladder(160, 90)] == ["high"]  # every mode is ratio 1 there
    with pytest.raises(ValueError):
        QualityController([], 0, BUDGET)
