"""The test-set composer: layouts, determinism, compositing, motion."""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest

from evaluation_data import disc_matte, save
from videomatte.errors import MediaError
from videomatte.evaluation import media, testset

SMALL = testset.ComposeConfig(size=(48, 27), frames=5, seed=7)


def tree_digest(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def build(vm: Path, bgs: Path, out: Path, seed: int = 7, bg_motion: str = "pan") -> Path:
    plans = testset.plan_clips(testset.videomatte_clips(vm), testset.find_backgrounds([bgs]),
                               passes=2, bg_motion=bg_motion, seed=seed)
    testset.compose_set(plans, out, testset.ComposeConfig(SMALL.size, SMALL.frames, seed))
    return out


def test_same_seed_gives_byte_identical_clips(videomatte_root: Path, backgrounds_root: Path, tmp_path: Path) -> None:
    first = tree_digest(build(videomatte_root, backgrounds_root, tmp_path / "a"))
    second = tree_digest(build(videomatte_root, backgrounds_root, tmp_path / "b"))
    assert first == second
    assert len([k for k in first if k.endswith(".png")]) == 2 * 2 * 5 * 4  # clips x passes x frames x kinds
    other = tree_digest(build(videomatte_root, backgrounds_root, tmp_path / "c", seed=8))
    assert other != first


def test_composite_is_the_truncated_alpha_blend(videomatte_root: Path, backgrounds_root: Path, tmp_path: Path) -> None:
    out = build(videomatte_root, backgrounds_root, tmp_path / "set", bg_motion="static")
    clip = out / "0000-00-static"
    com, fgr, bgr = (media.read_rgb(clip / k / "0003.png").astype(np.float32) for k in ("com", "fgr", "bgr"))
    a = media.read_gray(clip / "pha" / "0003.png").astype(np.float32)[..., None] / 255.0
    np.testing.assert_array_equal(com, (fgr * a + bgr * (1 - a)).astype(np.uint8))
    assert com.shape == (27, 48, 3)
    static = [media.read_rgb(clip / "bgr" / f"{t:04d}.png") for t in range(5)]
    assert all(np.array_equal(static[0], b) for b in static)


def test_panning_background_moves(videomatte_root: Path, backgrounds_root: Path, tmp_path: Path) -> None:
    out = build(videomatte_root, backgrounds_root, tmp_path / "set", bg_motion="pan")
    clip = out / "0001-00-pan"
    frames = [media.read_rgb(clip / "bgr" / f"{t:04d}.png") for t in (0, 4)]
    assert not np.array_equal(*frames)


def test_manifest_lists_every_clip(videomatte_root: Path, backgrounds_root: Path, tmp_path: Path) -> None:
    out = build(videomatte_root, backgrounds_root, tmp_path / "set")
    manifest = json.loads((out / "manifest.json").read_text())
    assert [c["clip"] for c in manifest["clips"]] == ["0000-00-pan", "0000-01-pan", "0001-00-pan", "0001-01-pan"]
    assert [c["flip"] for c in manifest["clips"]] == [False, True, False, True]
    assert manifest["config"]["seed"] == 7


def test_still_mattes_get_motion_and_portrait_foregrounds_fit(tmp_path: Path, backgrounds_root: Path) -> None:
    root = tmp_path / "im"
    save(root / "fgr" / "person.png", np.full((40, 20, 3), 200, np.uint8))
    save(root / "pha" / "person.png", disc_matte(40, 20, 10, 20, 9))
    plans = testset.plan_clips(testset.image_mattes(root), testset.find_backgrounds([backgrounds_root]), passes=1)
    testset.compose_set(plans, tmp_path / "out", SMALL)
    clip = tmp_path / "out" / plans[0].name
    phas = [media.read_gray(clip / "pha" / f"{t:04d}.png") for t in range(5)]
    assert len(list((clip / "pha").iterdir())) == 5 and phas[0].shape == (27, 48)
    assert any(not np.array_equal(phas[0], p) for p in phas[1:])


def test_video_backgrounds_play_and_loop(videomatte_root: Path, tmp_path: Path) -> None:
    bg_video = tmp_path / "bg_videos" / "clip"  # a folder of frame folders holds video backgrounds
    for t in range(3):  # shorter than the clip: it starts over
        save(bg_video / f"{t:04d}.png", np.full((30, 40, 3), 60 * t, np.uint8))
    foreground = testset.videomatte_clips(videomatte_root)[:1]
    plans = testset.plan_clips(foreground, testset.find_backgrounds([bg_video.parent]), passes=1)
    assert plans[0].bg_motion == "video"
    testset.compose_set(plans, tmp_path / "out", SMALL)
    means = [media.read_rgb(tmp_path / "out" / plans[0].name / "bgr" / f"{t:04d}.png").mean() for t in range(5)]
    assert means == pytest.approx([0, 60, 120, 0, 60], abs=1)


def test_bad_layouts_raise_media_errors(tmp_path: Path) -> None:
    with pytest.raises(MediaError, match="VideoMatte240K layout"):
        testset.videomatte_clips(tmp_path)
    with pytest.raises(MediaError, match="not found"):
        testset.find_backgrounds([tmp_path / "missing"])
