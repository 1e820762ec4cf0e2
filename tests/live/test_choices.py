"""The pure parts of live: quality choice, window keys, source names, the newest-wins slot."""
from __future__ import annotations

import threading

import pytest

from videomatte.errors import MediaError
from videomatte.errors import Stopped
from videomatte.live.quality import choose, mode_ratio
from videomatte.live.slots import END, Latest
from videomatte.live.sources import device_target, parse_size
from videomatte.live.window import Controls


def test_auto_quality_keeps_the_best_mode_that_fits_the_frame_interval() -> None:
    timed: list[float] = []
    times = {0.4: 0.050, 0.25: 0.024, 0.2: 0.015}  # seconds a frame at 1280x720

    def frame_seconds(ratio: float) -> float:
        timed.append(ratio)
        return times[ratio]

    choice = choose("auto", 1280, 720, 30.0, frame_seconds)
    assert (choice.mode, choice.ratio, timed) == ("balanced", 0.25, [0.4, 0.25])
    assert round(choice.budget_ms, 1) == 28.3 and choice.frame_ms == 24.0
    assert "balanced, downsample ratio 0.25 on onnxruntime, 24 ms a frame for a 28 ms budget" in \
        choice.describe("auto", "onnxruntime")
    slow = choose("auto", 1280, 720, 30.0, lambda ratio: 1.0)
    assert (slow.mode, slow.ratio) == ("fast", 0.2)  # the warm-up stops at fast; lowest is the controller's
    assert choose("lowest", 1280, 720, 30.0, lambda ratio: 1.0).ratio == 0.125  # or the user's


def test_overlapped_stages_must_also_leave_cpu_for_the_rest_of_the_loop() -> None:
    # (slowest stage, both stages) seconds: at 0.25 each stage fits 28 ms, but 52 ms of CPU exceeds 70 %
    # of two cores' 33 ms (46.7 ms), so the loop would keep the machine 85 % busy: the next mode wins
    times = {0.4: (0.060, 0.110), 0.25: (0.027, 0.052), 0.2: (0.022, 0.040)}
    choice = choose("auto", 1280, 720, 30.0, times.__getitem__, cores=2)
    assert (choice.mode, choice.ratio, choice.cpu_ms) == ("fast", 0.2, 40.0)
    assert "(40 ms of CPU for 47)" in choice.describe("auto", "onnxruntime")
    assert choose("auto", 1280, 720, 30.0, times.__getitem__, cores=4).ratio == 0.25


def test_the_outputs_cost_is_set_aside_and_lets_the_warm_up_start_at_lowest() -> None:
    times = {0.4: (0.060, 0.110), 0.25: (0.027, 0.052), 0.2: (0.020, 0.038), 0.125: (0.012, 0.022)}
    alone = choose("auto", 1280, 720, 30.0, times.__getitem__, cores=2)
    assert alone.mode == "fast"  # 38 ms of CPU for 47
    recording = choose("auto", 1280, 720, 30.0, times.__getitem__, cores=2, overhead_s=0.015)
    assert (recording.mode, recording.ratio, round(recording.cpu_budget_ms, 1)) == ("lowest", 0.125, 31.7)
    heavy = choose("auto", 1280, 720, 30.0, times.__getitem__, cores=2, overhead_s=0.040)
    assert heavy.mode == "lowest" and not heavy.fits  # nothing fits: the cheapest, and the controller watches
    assert alone.shortfall() is None and recording.shortfall(15.0) is None  # these fit: nothing to say
    assert heavy.shortfall(40.0) == ("even at lowest (ratio 0.125) the loop needs 62 ms of CPU a frame (the network "
                                     "22, the outputs 40) where the cores give 47: frames will be dropped; a "
                                     "cheaper recording (.mp4 costs the least) or a smaller --size or --fps would fit")
    web = choose("auto", 1280, 720, 30.0, times.__getitem__, cores=2, overhead_s=0.030)
    said = web.shortfall(0.0, 30.0)  # a web page's transport, no recording
    assert "needs 52 ms of CPU a frame (the network 22, the rest 30) where the cores give 47" in said
    slow_stage = choose("auto", 1280, 720, 30.0, lambda ratio: 0.045)
    assert slow_stage.shortfall().startswith("even at fast (ratio 0.2) the network's slowest stage takes 45 ms a "
                                             "frame for 28 ms: frames will be dropped; a smaller")


def test_a_recordings_cost_is_timed_on_a_scratch_file(tmp_path) -> None:
    import numpy as np

    from videomatte.live.sinks import RecordSink

    picture = np.random.default_rng(0).integers(0, 256, (72, 128, 3), dtype=np.uint8)
    for name in ("out.mp4", "out.mkv"):
        sink = RecordSink(str(tmp_path / name), 30.0)
        assert sink.cost_ms(picture, frames=2) > 0
    assert sorted(tmp_path.iterdir()) == []  # the probe wrote nowhere near the recording
    assert RecordSink(str(tmp_path / "frames" / "%04d.png"), 30.0).cost_ms(picture) == 0.0


def test_fixed_modes_and_ratios_time_nothing() -> None:
    never = lambda ratio: pytest.fail("timed")  # noqa: E731
    assert choose("high", 1920, 1080, 30, never).ratio == pytest.approx(512 / 1920)
    assert choose("auto", 1920, 1080, 30, never, fixed_ratio=0.3).mode == "fixed"
    assert mode_ratio("high", 320, 180) == 1.0  # small frames: the full picture
    # below high, a ratio near 1/n becomes 1/n (a whole-number upsampling factor for the refiner)
    assert mode_ratio("fast", 1920, 1080) == 0.125 and mode_ratio("balanced", 1920, 1080) == 1 / 6
    assert mode_ratio("high", 1920, 1080) == pytest.approx(512 / 1920)  # conversion's ratio, as it is
    assert mode_ratio("fast", 640, 360) == 0.4  # 0.5 and 1/3 are too far


def test_window_keys() -> None:
    class Matter:
        background, mirror = "green", False

    controls, matter = Controls(backgrounds=["green", "blur", "white"]), Matter()
    assert controls.press(ord("b"), matter) == "background" and matter.background == "blur"
    controls.press(ord("b"), matter)
    controls.press(ord("b"), matter)
    assert matter.background == "green"
    assert controls.press(ord(" "), matter) == "pause" and controls.paused
    assert controls.press(ord("m"), matter) == "mirror" and matter.mirror
    assert controls.press(-1, matter) is None and not controls.quit
    assert controls.press(27, matter) == "quit" and controls.quit


def test_source_names() -> None:
    assert parse_size("1280x720") == (1280, 720)
    with pytest.raises(ValueError, match="1280x720"):
        parse_size("1280")
    assert device_target("0", "linux") == ("/dev/video0", "v4l2")
    assert device_target("1", "darwin") == ("1", "avfoundation")
    assert device_target("video=Cam", "win32") == ("video=Cam", "dshow")
    with pytest.raises(MediaError, match="video=Integrated Camera"):
        device_target("0", "win32")


def test_latest_drops_the_stale_item_and_ends() -> None:
    stop = threading.Event()
    slot = Latest(stop)
    assert slot.put(1) is None and slot.put(2) == 1 and slot.dropped == 1
    assert slot.take() == 2
    slot.put(3)
    slot.close()
    assert slot.take() == 3 and slot.take() is END
    assert slot.put(4) is None and slot.take() is END  # after close nothing is taken
    stop.set()
    with pytest.raises(Stopped):
        Latest(stop).take()


def test_the_allocator_keeps_freed_memory_on_linux() -> None:
    import subprocess
    import sys

    if not sys.platform.startswith("linux"):
        pytest.skip("glibc's mallopt is Linux only")
    check = "from videomatte.live.memory import keep_freed_memory; print(keep_freed_memory())"
    done = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True, timeout=60)  # not this process
    assert done.returncode == 0 and done.stdout.strip() == "True", done.stderr
