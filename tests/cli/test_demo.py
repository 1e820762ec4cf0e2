"""``videomatte demo``: the packaged sample clip, its outputs, and its refusals."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from media_clips import decoded
from videomatte.cli.main import main
from videomatte.io.sample import SAMPLE_SIZE, pan_and_zoom, sample_photo

PACKAGE_DATA = Path(__file__).resolve().parents[2] / "src" / "videomatte" / "data"


def test_the_sample_ships_small_with_its_licence():
    photo = PACKAGE_DATA / "demo_person.jpg"
    assert photo.stat().st_size < 150_000
    assert "MIT License" in (PACKAGE_DATA / "LICENSE-demo_person.txt").read_text()
    assert sample_photo().size == (1280, 720)


def test_pan_and_zoom_moves_across_the_photo():
    frames = pan_and_zoom(sample_photo(), 5)
    assert [f.shape for f in frames] == [(*SAMPLE_SIZE, 3)] * 5
    steps = [np.abs(a.astype(int) - b).mean() for a, b in zip(frames, frames[1:])]
    assert all(step > 2 for step in steps)  # every frame differs from the one before


def test_demo_writes_its_folder(tmp_path, capsys, shared_data, official_onnx):
    folder = tmp_path / "demo"
    code = main(["demo", "-o", str(folder), "--seconds", "0.5", "--weights", str(official_onnx),
                 "--backend", "torch", "--quiet"])
    assert code == 0
    assert sorted(p.name for p in folder.iterdir()) == ["composite.mp4", "input.mp4", "matte.mp4", "transparent.mov"]
    mattes = decoded(folder / "matte.mp4", "gray")
    assert len(mattes) == 12 and mattes[0].shape == SAMPLE_SIZE
    person = mattes[6][80:220, 200:260].mean()  # the person stands near the middle of the view
    assert person > 150 and mattes[6][:, :40].mean() < 10 and mattes[6][:, -40:].mean() < 10
    out = capsys.readouterr().out
    assert "12 frames matted" in out and "videomatte convert YOUR_VIDEO.mp4" in out
    # A second run refuses to overwrite the first without --overwrite.
    assert main(["demo", "-o", str(folder), "--seconds", "0.5"]) == 1
    assert "already exists (use --overwrite" in capsys.readouterr().err


def test_demo_refuses_a_file_as_its_folder(tmp_path, capsys):
    target = tmp_path / "file"
    target.write_text("mine")
    assert main(["demo", "-o", str(target)]) == 1
    assert capsys.readouterr().err.strip() == f"videomatte: error: {target}: is a file, not a folder"
    assert target.read_text() == "mine"
