import subprocess
import sys

import numpy as np
import pytest

from videomatte.cli.main import main
from videomatte.inference.session import MattingSession
from videomatte.io.readers import open_reader


def run_cli(*args):
    return main(["convert", *map(str, args)])


def test_help_lists_formats_and_examples():
    done = subprocess.run([sys.executable, "-m", "videomatte.cli.main", "convert", "--help"],
                          capture_output=True, text=True, check=True)
    for text in ("ProRes 4444", "--background", "--overwrite", "examples:", "{name}"):
        assert text in done.stdout


def test_converts_with_random_weights(odd_clip, random_weights, tmp_path, capsys):
    code = run_cli(odd_clip, "-o", tmp_path / "out.mp4", "--alpha", f"{tmp_path}/alpha/", "--weights",
                   random_weights, "--device", "cpu", "--ratio", "1", "--background", "blur", "--crf", "12")
    assert code == 0
    assert "6 frames" in capsys.readouterr().out
    with open_reader(tmp_path / "out.mp4") as reader:
        assert len(list(reader)) == 6
    assert len(list((tmp_path / "alpha").iterdir())) == 6


def _no_video(path):
    import av

    with av.open(str(path), "w") as container:
        stream = container.add_stream("aac", rate=44100)
        frame = av.AudioFrame.from_ndarray(np.zeros((1, 1024), np.float32), format="fltp", layout="mono")
        frame.sample_rate, frame.pts = 44100, 0
        container.mux(stream.encode(frame))
        container.mux(stream.encode(None))


@pytest.mark.parametrize("case, message", [
    ("missing", "no such file"), ("empty", "empty"), ("corrupt", "not a readable video"),
    ("no_video", "no video stream"), ("exists", "already exists"), ("extension", "unknown output format"),
    ("background", "not a colour"), ("nothing", "nothing to write"),
])
def test_errors_are_one_line_and_leave_no_output(case, message, odd_clip, random_weights, tmp_path, capsys):
    source, output = tmp_path / "in.mp4", tmp_path / "out.mov"
    extra = []
    if case == "empty":
        source.write_bytes(b"")
    elif case == "corrupt":
        source.write_bytes(b"not a video at all" * 100)
    elif case == "no_video":
        source = tmp_path / "in.m4a"
        _no_video(source)
    elif case != "missing":
        source = odd_clip
    if case == "exists":
        output.write_bytes(b"old")
    if case == "extension":
        output = tmp_path / "out.xyz"
    if case == "background":
        output, extra = tmp_path / "out.mp4", ["--background", "no-such-colour"]
    before = sorted(p.name for p in tmp_path.iterdir())
    args = [source] + ([] if case == "nothing" else ["-o", output])
    code = run_cli(*args, *extra, "--weights", random_weights, "--device", "cpu")
    err = capsys.readouterr().err
    assert code == 1
    assert err.startswith("videomatte: error: ") and message in err and err.count("\n") == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == before
    if case == "exists":
        assert output.read_bytes() == b"old"


def test_ctrl_c_exits_130_without_output(odd_clip, random_weights, tmp_path, monkeypatch, capsys):
    def interrupted(self, frames):
        raise KeyboardInterrupt

    monkeypatch.setattr(MattingSession, "step", interrupted)
    code = run_cli(odd_clip, "-o", tmp_path / "out.webm", "--weights", random_weights, "--device", "cpu")
    assert code == 130
    assert list(tmp_path.iterdir()) == []
