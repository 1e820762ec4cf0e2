"""Awkward but valid inputs convert; outputs that cannot be written fail cleanly (read-only, full disk);
a batch with one bad input reports the others; stale partial files of dead processes are removed."""
from __future__ import annotations

import logging
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from robustness_helpers import digest, frames_of, run_cli

TORCH = ["--weights", "none", "--backend", "torch", "--quiet"]


AWKWARD = {  # input: (frames, (height, width)) of its output
    "odd.mp4": (2, (19, 33)),
    "tiny": (2, (2, 3)),            # a 3x2 image sequence
    "ten_bit.mp4": (2, (48, 64)),
    "rotated.mp4": (2, (64, 48)),   # 90 degrees: shown portrait
    "one_frame.mp4": (1, (48, 64)),
    "vfr.mp4": (3, (48, 64)),
}


def test_awkward_inputs_convert_and_a_rerun_removes_dead_partials(corpus, out_dir, capsys):
    # One batch (one network) for all of them; a partial left by a killed run is removed, one of a
    # live process (pid 1) is not.
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    stale = out_dir / f".odd.mkv.partial-{int(dead.stdout)}.mkv"
    stale.write_bytes(b"left by a killed run" * 1000)
    alive = out_dir / ".odd.mkv.partial-1.mkv"
    alive.write_bytes(b"x")
    sources = [corpus / name for name in AWKWARD]
    before = digest(sources)
    outcome = run_cli(["convert", *sources, "-o", f"{out_dir}/{{name}}.mkv", *TORCH], capsys)
    assert (outcome.code, outcome.err_lines) == (0, [])
    for name, (count, size) in AWKWARD.items():
        frames = frames_of(out_dir / f"{Path(name).stem}.mkv")
        assert [shape for _, shape in frames] == [size] * count, name
    vfr_times = [t for t, _ in frames_of(out_dir / "vfr.mkv")]
    assert vfr_times == pytest.approx([0.0, 1 / 30, 1 / 30 + 1 / 20], abs=1e-3)
    assert digest(sources) == before
    assert sorted(p.name for p in out_dir.iterdir()) == sorted([alive.name] + [f"{Path(n).stem}.mkv" for n in AWKWARD])


def test_concealed_frames_are_counted_in_one_warning(corpus, caplog):
    from videomatte.io.readers import open_reader

    with caplog.at_level(logging.WARNING, logger="videomatte"), open_reader(corpus / "concealed.mp4") as reader:
        count = sum(1 for _ in reader)
    warnings = [r.getMessage() for r in caplog.records if "concealed" in r.getMessage()]
    assert count == 20
    assert warnings == [f"warning: {corpus / 'concealed.mp4'}: 4 of 20 frames were damaged; "
                        "the decoder concealed the damage"]


def test_batch_with_a_bad_input_reports_the_others(corpus, tmp_path, capsys):
    batch = tmp_path / "batch"
    batch.mkdir()
    for name in ("a.mp4", "b.mp4"):
        shutil.copy(corpus / "good.mp4", batch / name)
    (batch / "c.mp4").write_bytes(b"")
    out = tmp_path / "out"
    outcome = run_cli(["convert", batch, "-o", f"{out}/{{name}}.mkv", *TORCH[:4]], capsys)
    assert outcome.code == 1
    assert outcome.err_lines == [f"{batch}: 3 videos", f"videomatte: {batch / 'c.mp4'}: file is empty",
                                 "videomatte: error: 2 converted, 1 failed"]
    assert [line.split(":")[0] for line in outcome.out.splitlines()] == [str(batch / "a.mp4"), str(batch / "b.mp4")]
    assert sorted(p.name for p in out.iterdir()) == ["a.mkv", "b.mkv"]


def _mount_tmpfs(folder: Path, options: str) -> None:
    folder.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({done.stderr.strip() or 'mount failed'})")


@pytest.fixture()
def mounted(tmp_path: Path):
    mounts = []

    def mount(name: str, options: str) -> Path:
        folder = tmp_path / name
        _mount_tmpfs(folder, options)
        mounts.append(folder)
        return folder

    yield mount
    for folder in mounts:
        subprocess.run(["umount", str(folder)], capture_output=True)


def test_read_only_output_folder(corpus, mounted, capsys):
    folder = mounted("ro", "ro,size=1m")
    outcome = run_cli(["convert", corpus / "good.mp4", "-o", folder / "x.mov", *TORCH], capsys)
    assert outcome.code == 1 and len(outcome.err_lines) == 1
    assert f"x.mov: cannot write to {folder} (read-only file system)" in outcome.err_lines[0]
    assert list(folder.iterdir()) == []


def test_read_only_output_past_the_early_check(corpus, mounted):
    # The Python API goes straight to the writer: EROFS there is one MediaError, not an OSError.
    from videomatte.errors import MediaError
    from videomatte.conversion.batch import convert

    folder = mounted("ro_api", "ro,size=1m")
    with pytest.raises(MediaError, match=r"x\.mov: cannot write there \(Read-only file system\)"):
        convert(corpus / "good.mp4", output=folder / "x.mov", weights=None, backend="torch", progress=False)
    assert list(folder.iterdir()) == []


def test_full_disk(corpus, mounted, capsys):
    folder = mounted("full", "size=16k")  # 3 RGBA PNGs of 64x48 need more
    before = digest([corpus / "good.mp4"])
    outcome = run_cli(["convert", corpus / "good.mp4", "-o", f"{folder}/x/", *TORCH], capsys)
    assert outcome.code == 1 and len(outcome.err_lines) == 1
    assert "x: disk full while writing" in outcome.err_lines[0]
    assert list(folder.iterdir()) == []
    assert digest([corpus / "good.mp4"]) == before
