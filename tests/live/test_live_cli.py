"""``videomatte live`` as a user runs it: Ctrl-C, sources that cannot be opened, a missing virtual camera."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

LIVE = [sys.executable, "-m", "videomatte.cli.main", "live"]
TINY = ["--weights", "none", "--backend", "torch", "--device", "cpu", "--quality", "fast"]


def _one_line_error(done: subprocess.CompletedProcess, *fragments: str) -> None:
    assert done.returncode == 1, done.stderr
    lines = done.stderr.strip().splitlines()
    assert lines and lines[-1].startswith("videomatte: error: ") and "Traceback" not in done.stderr, done.stderr
    for fragment in fragments:
        assert fragment in lines[-1]


def _live(*args: str) -> subprocess.CompletedProcess:
    """The command run in this process (what a subprocess would print and return, without its start-up)."""
    import contextlib
    import io

    from videomatte.cli.main import main

    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        code = main(["live", *args])
    return subprocess.CompletedProcess(["videomatte", "live", *args], code, "", err.getvalue())


def test_ctrl_c_finalises_the_recording(tmp_path: Path) -> None:
    target = tmp_path / "out.mp4"
    stats = tmp_path / "stats.json"
    proc = subprocess.Popen([*LIVE, "--source", "testsrc", "--size", "64x48", "--fps", "15", *TINY,
                             "--record", str(target), "--stats", str(stats)],
                            stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120  # model start-up on a loaded machine; seconds on a quiet one
        while not any(p.name.startswith(".out.mp4.partial") for p in tmp_path.iterdir()):
            assert proc.poll() is None, proc.stderr.read()
            assert time.monotonic() < deadline, "no frame recorded in time"
            time.sleep(0.1)
        time.sleep(0.8)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 130, err
    assert "Traceback" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.mp4", "stats.json"]
    from videomatte.io.readers import VideoReader

    with VideoReader(target) as reader:
        frames = list(reader)
    data = json.loads(stats.read_text())
    assert len(frames) == data["frames_processed"] >= 2 and data["interrupted"] is True
    assert frames[0].image.shape == (48, 64, 3)


def test_sources_that_cannot_be_opened_are_one_line(tmp_path: Path) -> None:
    out = str(tmp_path / "stats.json")
    _one_line_error(_live("--source", str(tmp_path / "missing.mp4"), "--stats", out, *TINY), "no such file")
    _one_line_error(_live("--source", "/dev/video97", "--stats", out, *TINY), "camera /dev/video97", "no such device")
    (tmp_path / "broken.mp4").write_bytes(b"\x00not a video" * 10)
    _one_line_error(_live("--source", str(tmp_path / "broken.mp4"), "--stats", out, *TINY), "broken.mp4")
    assert not os.path.exists(out)


def test_nothing_to_send_to_is_refused() -> None:
    _one_line_error(_live("--source", "testsrc", *TINY), "--virtual-camera", "--record")


@pytest.mark.skipif(any(Path("/dev").glob("video*")), reason="a video device exists here")
def test_no_virtual_camera_device_names_the_fix(tmp_path: Path) -> None:
    pytest.importorskip("pyvirtualcam")
    target = tmp_path / "out.mkv"
    done = _live("--source", "testsrc", "--size", "64x48", *TINY, "--virtual-camera", "--record", str(target),
                 "--max-frames", "3")
    _one_line_error(done, "modprobe v4l2loopback", "OBS")
    assert list(tmp_path.iterdir()) == []
