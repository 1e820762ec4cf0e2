"""The parts of ``videomatte serve`` that need no server: choices, uploads, workspaces, the command line."""
from __future__ import annotations

import os
import time
import zipfile
from pathlib import Path

import pytest

pytest.importorskip("gradio", reason="the web extra (gradio) is not installed")

from videomatte.cli.main import main  # noqa: E402
from videomatte.errors import MediaError, VideoMatteError  # noqa: E402
from videomatte.web.app import bind_warning  # noqa: E402
from videomatte.web.choices import background_spec, colour_spec, job_options  # noqa: E402
from videomatte.web.previews import over_checkerboard  # noqa: E402
from videomatte.web.settings import ServeSettings  # noqa: E402
from videomatte.web.uploads import prepare_source, unpack_sequence  # noqa: E402
from videomatte.web.workspace import Workspaces  # noqa: E402


def test_colour_picker_values_become_hex() -> None:
    assert colour_spec("#00ff00") == "#00FF00"
    assert colour_spec("#0f0") == "#00FF00"
    assert colour_spec("rgba(30, 144, 255, 1)") == "#1E90FF"
    with pytest.raises(VideoMatteError, match="background colour 'teal-ish' is not #RRGGBB"):
        colour_spec("teal-ish")


def test_background_and_outputs_choices() -> None:
    assert background_spec("blur", "#000000", None) == "blur"
    with pytest.raises(VideoMatteError, match="choose a background image file"):
        background_spec("image", None, None)
    options = job_options("webm", ["composite"], "colour", "#112233", None, "mobilenetv3", 0, False)
    assert (options.transparent, options.alpha, options.composite, options.background) == ("webm", False, True,
                                                                                         "#112233")
    assert options.model.downsample_ratio is None and options.audio is False
    assert job_options("mov", [], "colour", None, None, "mobilenetv3", 0.25, True).model.downsample_ratio == 0.25
    with pytest.raises(VideoMatteError, match="nothing to make: choose a transparent video, or the alpha"):
        job_options("none", [], "colour", None, None, "mobilenetv3", 0, True)


def test_zip_uploads_keep_only_their_images_and_respect_the_limits(tmp_path: Path) -> None:
    archive = tmp_path / "shot.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("shot/0001.png", b"png bytes")
        zipped.writestr("shot/readme.txt", b"notes")
        zipped.writestr("__MACOSX/._0001.png", b"junk")
    frames = prepare_source(archive, tmp_path / "job", ServeSettings())
    assert sorted(p.name for p in frames.iterdir()) == ["0001.png"]
    with pytest.raises(MediaError, match="shot.zip: the images are over 0.0 MB unpacked"):
        unpack_sequence(archive, tmp_path / "job2", limit_bytes=5)
    with pytest.raises(MediaError, match="shot.zip: .* MB is over this server's upload limit"):
        prepare_source(archive, tmp_path / "job3", ServeSettings(max_upload_mb=1e-4))
    empty = tmp_path / "empty.zip"
    with zipfile.ZipFile(empty, "w") as zipped:
        zipped.writestr("readme.txt", b"notes")
    with pytest.raises(MediaError, match="empty.zip: the zip holds no images"):
        prepare_source(empty, tmp_path / "job4", ServeSettings())


def test_workspaces_drop_a_session_and_sweep_old_jobs(tmp_path: Path) -> None:
    spaces = Workspaces(tmp_path / "root", ttl_s=60)
    old, fresh = spaces.job("abc"), spaces.job("../other")
    assert fresh.parent.name == "___other"  # session names cannot leave the root
    os.utime(old, (time.time() - 120, time.time() - 120))
    assert spaces.sweep() == [old] and not old.exists() and fresh.exists()
    spaces.drop("../other")
    assert not fresh.parent.exists()
    spaces.close()
    assert not spaces.root.exists()


def test_checkerboard_shows_through_where_alpha_is_zero() -> None:
    import numpy as np

    picture = np.full((32, 32, 3), 200, np.uint8)
    alpha = np.zeros((32, 32, 3), np.uint8)
    alpha[:, 16:] = 255
    out = over_checkerboard(picture, alpha)
    assert (out[:, 16:] == 200).all()
    assert set(np.unique(out[:, :16])) == {140, 204}  # the two grays, 0.55 and 0.8


def test_binding_beyond_localhost_warns() -> None:
    assert bind_warning("127.0.0.1") is None and bind_warning("localhost") is None
    assert "no authentication unless --auth" in bind_warning("0.0.0.0")


@pytest.mark.parametrize("argv, message", [
    (["serve", "--auth", "nopassword"], "videomatte: error: --auth must be USER:PASS (both non-empty)"),
    (["serve", "--concurrency", "0"], "videomatte: error: concurrency must be at least 1, got 0"),
])
def test_serve_refuses_bad_options_in_one_line(argv: list[str], message: str, capsys) -> None:
    assert main(argv) == 1
    assert capsys.readouterr().err.strip() == message


def test_the_progress_description_gains_fps_and_eta() -> None:
    from types import SimpleNamespace

    from videomatte.web.eta import FrameEta, clock

    assert clock(3725.4) == "1:02:05"
    tracked = SimpleNamespace(index=0, length=50, desc="clip.mp4")
    eta = FrameEta(SimpleNamespace(iterables=[tracked]))
    eta.annotate(tracked, now=10.0)
    assert tracked.desc == "clip.mp4"  # the first look only notes the start
    tracked.index = 10
    eta.annotate(tracked, now=12.0)  # 10 frames in 2 s: 5 fps, 40 frames left
    assert tracked.desc == "clip.mp4 · 5.0 fps · ETA 0:00:08"
    tracked.index = 30
    eta.annotate(tracked, now=14.0)
    assert tracked.desc == "clip.mp4 · 7.5 fps · ETA 0:00:03"


def test_clicked_points_become_input_pixels_and_markers(tmp_path: Path) -> None:
    import av
    import numpy as np

    from videomatte.web.subject_points import MARKER, first_picks

    clip = tmp_path / "wide.mp4"
    with av.open(str(clip), "w") as dst:  # 1280x720: shown at 640x360, half size
        video = dst.add_stream("libx264", rate=24, options={"preset": "ultrafast"})
        video.width, video.height, video.pix_fmt = 1280, 720, "yuv420p"
        for _ in range(2):
            picture = np.full((720, 1280, 3), 90, np.uint8)
            dst.mux(video.encode(av.VideoFrame.from_ndarray(picture, format="rgb24").reformat(format="yuv420p")))
        dst.mux(video.encode(None))
    picks = first_picks(clip, ServeSettings())
    assert picks.picture.shape == (360, 640, 3) and (picks.width, picks.height) == (1280, 720)
    assert picks.prompt() is None and "every person is kept" in picks.describe()
    picks = picks.click(100.2, 50).click(639, 359)
    assert picks.points == ((200, 100), (1278, 718))
    assert [(p.x, p.y, p.fraction) for p in picks.prompt().points] == [(200, 100, False), (1278, 718, False)]
    assert picks.describe() == "Keeping only the person under (200, 100), (1278, 718) (pixels of the input frame)."
    assert tuple(picks.marked()[50, 100]) == MARKER and tuple(picks.picture[50, 100]) != MARKER
    assert picks.cleared().prompt() is None and picks.cleared().width == 1280
    with pytest.raises(MediaError, match="notes.mp4: not a readable video"):
        (tmp_path / "notes.mp4").write_text("not a video")
        first_picks(tmp_path / "notes.mp4", ServeSettings())


@pytest.mark.slow
def test_serve_prints_its_own_address_and_no_advice_about_launch(tmp_path: Path) -> None:
    import socket
    import subprocess
    import sys

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "videomatte.cli.main", "serve", "--port", str(port),
                             "--weights", "none"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            cwd=tmp_path)
    try:
        first = proc.stdout.readline()  # blocks until the page is up (or the command failed)
    finally:
        proc.terminate()
        rest = proc.communicate(timeout=60)[0]
    assert first.strip() == f"videomatte: serving on http://127.0.0.1:{port}/ (Ctrl-C to stop)", first + rest
    assert "share=True" not in first + rest and "launch()" not in first + rest


def test_the_pages_time_range_is_checked_like_the_command_lines() -> None:
    options = job_options("mov", ["alpha"], "colour", None, None, "mobilenetv3", 0, True, start=" 1:05 ", duration="")
    assert (options.start, options.duration) == ("1:05", None)
    with pytest.raises(VideoMatteError, match=r"--start must be 0 or more, got -3"):
        job_options("mov", ["alpha"], "colour", None, None, "mobilenetv3", 0, True, start="-3", duration="")
