"""The pseudo-ground-truth builder on tiny synthetic footage with the official ONNX weights."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from evaluation_data import save
from videomatte.errors import MediaError
from videomatte.evaluation import media
from videomatte.evaluation.scoring import find_clips
from videomatte.evaluation.pseudo_gt import PseudoGTConfig, build_pseudo_gt

TINY = PseudoGTConfig(size=(32, 18), frames=4, seed=3, max_train_segments=2)


def write_video(path: Path, frames: int, width: int = 64, height: int = 48) -> None:
    import av

    rng = np.random.default_rng(frames)
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=24)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        for t in range(frames):
            image = np.full((height, width, 3), 40, np.uint8)
            image[10:40, 20 + t : 40 + t] = rng.integers(150, 255, 3)  # a bright block that moves
            container.mux(stream.encode(av.VideoFrame.from_ndarray(image, format="rgb24")))
        container.mux(stream.encode())


@pytest.fixture
def footage(tmp_path: Path) -> tuple[Path, Path]:
    clips, images = tmp_path / "clips", tmp_path / "images"
    clips.mkdir()
    write_video(clips / "long.mp4", 12)
    write_video(clips / "short.mp4", 5)
    rng = np.random.default_rng(0)
    for name in ("a", "b", "c", "person_fg"):
        save(images / f"{name}.png", rng.integers(0, 256, (30, 50, 3), dtype=np.uint8))
    return clips, images


@pytest.mark.slow
def test_split_shares_no_footage_or_background(footage: tuple[Path, Path], official_onnx: Path, tmp_path: Path) -> None:
    out = tmp_path / "pgt"
    split = json.loads(build_pseudo_gt(out, *footage, official_onnx, TINY).read_text())
    assert split["heldout"] == {"clips": ["short_00"], "backgrounds": ["a", "c"]}
    assert split["train"] == {"clips": ["long_00", "long_01"], "backgrounds": ["b"]}  # capped at 2 of 3
    assert split["weights_sha256"].startswith("88d45312")
    heldout = [c.name for c in find_clips(out / "heldout")]
    assert heldout == ["short_00-a-static", "short_00-c-pan"]
    pha = media.read_gray(out / "heldout" / heldout[0] / "pha" / "0000.png")
    com = media.read_rgb(out / "heldout" / heldout[0] / "com" / "0000.png")
    assert pha.shape == (18, 32) and com.shape == (18, 32, 3)
    assert len(find_clips(out / "train")) == 2


def test_needs_two_clips(footage: tuple[Path, Path], tmp_path: Path) -> None:
    clips, images = footage
    (clips / "short.mp4").unlink()
    with pytest.raises(MediaError, match="at least two clips"):
        build_pseudo_gt(tmp_path / "pgt", clips, images, tmp_path / "missing.onnx", TINY)
