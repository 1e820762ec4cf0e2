"""Running the command line in-process and checking what a run left behind."""
from __future__ import annotations

import hashlib
import subprocess
import time
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import pytest


@dataclass
class Outcome:
    """What one command run did."""

    code: int
    out: str
    err_lines: list[str]


def run_cli(argv: list[str], capsys: pytest.CaptureFixture) -> Outcome:
    """``videomatte ARGV`` in this process; argparse's exits are caught as exit codes."""
    from videomatte.cli.main import main

    capsys.readouterr()
    try:
        code = main([str(a) for a in argv])
    except SystemExit as stop:
        code = int(stop.code or 0)
    captured = capsys.readouterr()
    return Outcome(code, captured.out, [line for line in captured.err.splitlines() if line.strip()])


def digest(paths: list[Path]) -> dict[Path, str]:
    """sha256 of every file under ``paths`` (files or folders)."""
    found = {}
    for path in paths:
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for file in files:
            if file.exists():
                found[file] = hashlib.sha256(file.read_bytes()).hexdigest()
    return found


def leftovers(folder: Path, final_names: list[str]) -> list[str]:
    """Final outputs or partial files present in ``folder``."""
    if not folder.exists():
        return []
    names = [p.name for p in folder.iterdir()]
    return [n for n in names if n in final_names or ".partial" in n]


def frames_of(path: Path) -> list[tuple[float, tuple[int, int]]]:
    """``(time, (height, width))`` of every frame of an output video."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        return [(float(f.pts * Fraction(stream.time_base)), (f.height, f.width)) for f in container.decode(stream)]


CONVERT = "from videomatte.cli.main import main; raise SystemExit(main())"
"""A ``python -c`` program that runs the command line in a child process (for signals)."""


def wait_for_partial(folder: Path, process: subprocess.Popen, timeout: float = 240.0) -> bool:
    """Whether a partial output appeared in ``folder`` before ``process`` ended (or ``timeout``)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        if any(".partial" in p.name for p in folder.iterdir()):
            return True
        time.sleep(0.02)
    return False
