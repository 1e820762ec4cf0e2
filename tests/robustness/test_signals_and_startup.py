"""Ctrl-C, SIGTERM and SIGHUP mid-conversion leave nothing behind; mistakes are answered before PyTorch
is imported. These need a process of their own, so they run the command in subprocesses (in parallel)."""
from __future__ import annotations

import os
import signal
import subprocess
import sys

from robustness_helpers import CONVERT, digest, leftovers, wait_for_partial

SIGNALS = {"SIGINT": (signal.SIGINT, 130), "SIGTERM": (signal.SIGTERM, 143), "SIGHUP": (signal.SIGHUP, 129)}



def test_signals_mid_conversion_clean_up(corpus, tmp_path):
    source = corpus / "long.mp4"
    before = digest([source])
    runs = {}
    for name in SIGNALS:
        folder = tmp_path / name
        folder.mkdir()
        argv = [sys.executable, "-c", CONVERT, "convert", str(source), "-o", str(folder / "x.mov"),
                "--weights", "none", "--backend", "torch", "--quiet"]
        runs[name] = (folder, subprocess.Popen(argv, stderr=subprocess.PIPE, text=True, cwd=tmp_path))
    for name, (folder, process) in runs.items():
        assert wait_for_partial(folder, process), f"{name}: the conversion ended before it could be stopped"
        process.send_signal(SIGNALS[name][0])
    for name, (folder, process) in runs.items():
        _, err = process.communicate(timeout=120)
        lines = [line for line in err.splitlines() if line.strip()]
        assert process.returncode == SIGNALS[name][1], (name, err)
        assert len(lines) == 1 and lines[0].startswith("videomatte: interrupted"), (name, err)
        assert leftovers(folder, ["x.mov"]) == [] and list(folder.iterdir()) == [], name
    assert digest([source]) == before


def test_mistakes_are_answered_before_pytorch_loads(corpus, tmp_path):
    existing = tmp_path / "taken.mov"
    existing.write_bytes(b"mine")
    probe = ("import sys, time; start = time.perf_counter(); from videomatte.cli.main import main\n"
             "code = main(sys.argv[1:]); print(code, 'torch' in sys.modules, 'av' in sys.modules, "
             "time.perf_counter() - start)")
    cases = {
        "missing file": ["convert", str(corpus / "nope.mp4"), "-o", str(tmp_path / "x.mov")],
        "bad option": ["convert", str(corpus / "good.mp4"), "-o", str(tmp_path / "x.mov"), "--fps", "0"],
        "existing output": ["convert", str(corpus / "good.mp4"), "-o", str(existing)],
        "missing weights": ["export", "--format", "onnx", "-o", str(tmp_path / "m.onnx"), "--weights",
                            str(corpus / "nope.pth")],
        "missing predictions": ["evaluate", "--pred", str(tmp_path / "nope"), "--truth", str(tmp_path)],
        "missing checkpoint": ["train", "--config", "stage1", "--resume", str(tmp_path / "nope.pt")],
        "unknown model": ["models", "fetch", "nonesuch"],
    }
    runs = {name: subprocess.Popen([sys.executable, "-c", probe, *argv], stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONWARNINGS": "ignore"})
            for name, argv in cases.items()}
    for name, process in runs.items():
        out, err = process.communicate(timeout=120)
        code, torch_loaded, av_loaded, seconds = out.split()
        assert code == "1" and len(err.splitlines()) == 1, (name, err)
        assert (torch_loaded, av_loaded) == ("False", "False"), name
        assert float(seconds) < 5.0, (name, seconds)  # about 0.1 s on a quiet machine
    assert existing.read_bytes() == b"mine"
