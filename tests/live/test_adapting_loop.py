"""The recording's own thread (waits, never drops; errors carried) and the loop stepping its quality down."""
from __future__ import annotations

import logging
import threading
import time

import numpy as np
import pytest
from live_fakes import echo_session, indexed_frames

from videomatte.errors import MediaError
from videomatte.live import LiveMatting
from videomatte.live.quality_control import ControlSettings
from videomatte.live.recorder import BackgroundSink


class GatedSink:
    """Keeps what it is sent; each ``send`` waits for ``gate``; fails at frame ``fail_at``."""

    def __init__(self, fail_at: int | None = None) -> None:
        self.gate = threading.Event()
        self.sent: list[int] = []
        self.closed_with: list[BaseException | None] = []
        self.fail_at = fail_at

    def send(self, out: int) -> None:
        self.gate.wait(5)
        if out == self.fail_at:
            raise MediaError("disk full")
        self.sent.append(out)

    def close(self, error: BaseException | None = None) -> None:
        self.closed_with.append(error)


def test_the_recording_thread_keeps_every_frame_and_waits_only_when_its_queue_is_full() -> None:
    inner = GatedSink()
    sink = BackgroundSink(inner, frames=3)
    sink.send(0)
    deadline = time.monotonic() + 5
    while sink.backlog and time.monotonic() < deadline:  # the encoder has taken frame 0 (and waits at the gate)
        time.sleep(0.005)
    for k in range(1, 4):  # three queued behind it: none waits
        sink.send(k)
    assert sink.waited_s == 0.0
    fifth = threading.Thread(target=sink.send, args=(4,))
    fifth.start()
    fifth.join(0.2)
    assert fifth.is_alive(), "a full queue must hold the sender back, not drop the frame"
    inner.gate.set()
    fifth.join(5)
    sink.close()
    assert inner.sent == [0, 1, 2, 3, 4] and sink.frames_written == 5 and sink.waited_s > 0
    assert inner.closed_with == [None]


def test_an_encoder_error_reaches_the_sender_and_removes_the_recording() -> None:
    inner = GatedSink(fail_at=1)
    inner.gate.set()
    sink = BackgroundSink(inner, frames=3)
    sink.send(0)
    sink.send(1)
    deadline = time.monotonic() + 5
    with pytest.raises(MediaError, match="disk full"):
        while time.monotonic() < deadline:
            sink.send(2)
            time.sleep(0.01)
    with pytest.raises(MediaError, match="disk full"):
        sink.close()
    assert inner.sent == [0] and isinstance(inner.closed_with[0], MediaError)
    sink.close()  # a second close (the loop's exit stack) does nothing more
    assert len(inner.closed_with) == 2 and inner.closed_with[1] is None


def test_a_slow_output_makes_quality_auto_step_down_while_running(caplog, monkeypatch) -> None:
    from videomatte.live import quality

    monkeypatch.setattr(quality, "BUDGET_SHARE", 100.0)  # the warm-up, on the network alone, picks high
    session, _ = echo_session()
    session.fixed_ratio = None
    slow = lambda picture, captured: time.sleep(0.07)
    live = LiveMatting(session=session, source=indexed_frames(75, 360, 640), fps=30, quality="auto",
                       background="black", callback=slow, callback_picture="alpha",
                       control=ControlSettings(window_s=0.5, first_window_s=0.5, settle_s=0.2, min_frames=5))
    with caplog.at_level(logging.INFO, logger="videomatte.live"):
        stats = live.run()
    steps = [(c.before, c.after) for c in stats.quality_changes]
    assert steps[:2] == [("high", "balanced"), ("balanced", "fast")], steps
    assert steps[2:] in ([], [("fast", "lowest")]), steps  # lowest: only the running controller goes there
    assert session.fixed_ratio == stats.ratio == pytest.approx({"fast": 0.4, "lowest": 0.25}[stats.chosen])
    first = stats.quality_changes[0]
    assert any(f"live: quality {first.before} -> {first.after} (p95" in r.getMessage() for r in caplog.records)
    record = stats.as_dict()["quality_changes"][0]
    assert record["from"] == first.before and record["dropped_pct"] > 5 and record["at_s"] > 0


def test_the_recordings_rgba_made_plane_by_plane_equals_conversions() -> None:
    import torch

    from videomatte.conversion.outputs import render
    from videomatte.live.pictures import rgba_picture

    g = torch.Generator().manual_seed(0)
    fgr = torch.rand(1, 3, 18, 20, generator=g) * 1.2 - 0.1  # out of range too: clamped alike
    pha = torch.rand(1, 1, 18, 20, generator=g)
    pha[..., 0, :] = 0.5 / 255  # exactly half a step: rounds up in both
    np.testing.assert_array_equal(rgba_picture(fgr, pha), render("rgba", fgr, fgr, pha, None, 0)[0])


def test_a_live_mp4_recording_is_encoded_with_ultrafast_zero_latency_settings(tmp_path) -> None:
    session, _ = echo_session()
    target = tmp_path / "out.mp4"
    stats = LiveMatting(session=session, source=indexed_frames(8), pace=False, fps=30, quality="high",
                        record=str(target)).run()
    assert stats.frames_recorded == 8 == stats.frames_processed and stats.as_dict()["frames_recorded"] == 8
    options = target.read_bytes()  # x264 writes its settings into the stream
    assert b"subme=0" in options and b"mbtree=0" in options and b"bframes=0" in options  # veryfast: 2, 1, 3
