"""The live loop: pacing, newest-frame-wins, matte/frame alignment, state resets, outputs, failures."""
from __future__ import annotations

import time

import numpy as np
import pytest

from live_fakes import decode_echo, echo_session, index_value, indexed_frames
from videomatte.errors import MediaError
from videomatte.live import LiveMatting


def _run(session, frames, **settings):
    got: list[tuple[np.ndarray, object]] = []
    settings.setdefault("callback", lambda picture, captured: got.append((picture, captured)))
    settings.setdefault("source", frames)
    live = LiveMatting(session=session, background="black", quality="high", **settings)
    return live.run(), got


def _assert_aligned(picture: np.ndarray) -> int:
    """The composite shows a frame with its own matte; returns the frame's grey level."""
    left, right = decode_echo(picture)
    assert abs(left - right * right / 255) <= 1.5, f"matte of another frame: left {left}, right {right}"
    return right


def test_every_frame_reaches_the_virtual_camera_in_order_and_aligned(recording_camera) -> None:
    import pyvirtualcam

    session, _ = echo_session()
    stats, got = _run(session, indexed_frames(30), pace=False, fps=25, virtual_camera=True,
                      camera_backend="recording")
    (camera,) = recording_camera.opened
    assert (camera.width, camera.height, camera.fps) == (32, 24, 25)
    assert camera.fourcc == pyvirtualcam.util.encode_fourcc(pyvirtualcam.PixelFormat.RGB.value)
    assert camera.closed and len(camera.frames) == 30 == stats.frames_processed and stats.frames_dropped == 0
    assert [_assert_aligned(f) for f in camera.frames] == [index_value(k) for k in range(30)]
    for sent, (picture, _) in zip(camera.frames, got):
        np.testing.assert_array_equal(sent, picture)


def test_newest_frame_wins_under_a_slow_model() -> None:
    session, _ = echo_session(delay=0.06)  # ~16 fps against a 50 fps source
    stats, got = _run(session, indexed_frames(40), fps=50)
    assert stats.frames_captured == 40
    assert stats.frames_processed + stats.frames_dropped == 40 and stats.frames_dropped >= 15
    indices = [captured.index for _, captured in got]
    assert indices == sorted(set(indices)) and len(indices) == stats.frames_processed
    assert [_assert_aligned(p) for p, _ in got] == [index_value(k) for k in indices]
    # queued frames would wait up to 40 x 60 ms - 0.8 s = 1.6 s; the newest-wins policy keeps ~2 frame times
    assert stats.latency_ms()["p95"] < 400, stats.latency_ms()


def test_a_file_plays_at_its_own_rate(ntsc_clip) -> None:
    session, _ = echo_session()
    stats, got = _run(session, None, source=str(ntsc_clip))
    times = np.array([captured.captured for _, captured in got])
    assert len(got) + stats.frames_dropped == 10 == stats.frames_captured
    span = times[-1] - times[0]
    expected = (got[-1][1].index - got[0][1].index) * 1001 / 30000
    assert abs(span - expected) < 0.05, (span, expected)


def test_no_pace_hands_every_frame_over(ntsc_clip) -> None:
    session, _ = echo_session(delay=0.01)
    stats, got = _run(session, None, source=str(ntsc_clip), pace=False)
    assert stats.frames_processed == 10 and stats.frames_dropped == 0
    assert [c.index for _, c in got] == list(range(10))


def test_synthetic_source_is_paced() -> None:
    session, _ = echo_session()
    start = time.monotonic()
    stats, got = _run(session, None, source="testsrc", size=(64, 48), fps=20, max_frames=8)
    assert stats.frames_processed == 8 and got[0][0].shape == (48, 64, 3)
    assert time.monotonic() - start >= 7 / 20 - 0.01


def test_a_looping_file_restarts_the_recurrent_state(ntsc_clip) -> None:
    session, network = echo_session()
    stats, _ = _run(session, None, source=str(ntsc_clip), loop=True, pace=False, max_frames=25)
    assert stats.frames_processed == 25
    # the state restarts with each pass (frames matted after the 25th, while the run ends, are not sent);
    # the first call is the warm-up, which loads the graph before the clock starts; up to two more are
    # in flight when the 25th is sent (waiting to finish, being begun)
    assert network.counts[:26] == [1, *range(1, 11), *range(1, 11), *range(1, 6)] and len(network.counts) <= 28


def test_a_size_change_resets_the_state() -> None:
    session, network = echo_session()
    frames = indexed_frames(3) + indexed_frames(2, height=16, width=20)
    stats, got = _run(session, frames, pace=False)
    assert [p.shape[:2] for p, _ in got] == [(24, 32)] * 3 + [(16, 20)] * 2
    assert network.counts == [1, 1, 2, 3, 1, 1, 2]  # each size begins with a warm-up call, then a reset


def _failing(count: int):
    yield from indexed_frames(count)
    raise MediaError("camera 0: stopped delivering frames (No such device)")


def test_a_source_that_fails_mid_run_leaves_no_recording(tmp_path) -> None:
    session, _ = echo_session()
    target = tmp_path / "out.mkv"
    with pytest.raises(MediaError, match="stopped delivering frames"):
        _run(session, _failing(5), pace=False, record=str(target))
    assert list(tmp_path.iterdir()) == []


def test_recording_holds_every_frame_with_alpha(tmp_path) -> None:
    from videomatte.io.readers import VideoReader

    session, _ = echo_session()
    target = tmp_path / "out.mkv"
    stats, got = _run(session, indexed_frames(6), pace=False, fps=30, record=str(target), callback_picture="rgba")
    with VideoReader(target, alpha=True) as reader:
        frames = list(reader)
    assert len(frames) == 6 == stats.frames_processed
    for frame, (rgba, captured) in zip(frames, got):
        assert rgba.shape == (24, 32, 4)
        np.testing.assert_array_equal(frame.image, rgba)
    times = [f.time for f in frames]
    assert times == sorted(times) and times[0] == 0.0
    assert [p.name for p in tmp_path.iterdir()] == ["out.mkv"]


def test_recording_refuses_an_existing_file(tmp_path) -> None:
    from videomatte.errors import OutputExistsError

    target = tmp_path / "out.mp4"
    target.write_bytes(b"keep")
    with pytest.raises(OutputExistsError):
        _run(echo_session()[0], indexed_frames(2), record=str(target))
    assert target.read_bytes() == b"keep"


def test_stop_ends_a_run_from_another_thread() -> None:
    import threading

    session, _ = echo_session()
    endless = (frame for _ in iter(int, 1) for frame in indexed_frames(1))
    live = LiveMatting(session=session, source=endless, fps=50,
                       quality="high", callback=lambda *_: None)
    threading.Timer(0.4, live.stop).start()
    stats = live.run()
    assert 5 <= stats.frames_processed and not stats.interrupted


def test_stats_json_has_the_keys_scripts_read(tmp_path) -> None:
    import json

    session, _ = echo_session()
    stats, _ = _run(session, indexed_frames(5), pace=False)
    stats.write(tmp_path / "stats.json")
    data = json.loads((tmp_path / "stats.json").read_text())
    assert {"frames_captured", "frames_processed", "frames_dropped", "fps", "latency_ms", "ratio", "quality"} <= set(data)
    assert set(data["latency_ms"]) == {"p50", "p95", "max"}
    assert data["frames_processed"] == 5 and data["quality"] == "high" and data["ratio"] == 1.0  # high: min(512 / 32, 1)


def test_quality_auto_sets_aside_the_recordings_cost_without_touching_the_recording(tmp_path, caplog) -> None:
    import logging

    session, _ = echo_session()
    session.fixed_ratio = None
    target = tmp_path / "out.mkv"
    live = LiveMatting(session=session, source=indexed_frames(6), background="black", quality="auto", pace=False,
                       fps=30, record=str(target))
    with caplog.at_level(logging.INFO, logger="videomatte.live"):
        stats = live.run()
    costs = [r.getMessage() for r in caplog.records if "the outputs cost" in r.getMessage()]
    assert len(costs) == 1 and "at 32x24 (a recording's encoder)" in costs[0]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.mkv"] and stats.frames_recorded == 6
