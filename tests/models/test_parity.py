"""Parity with the authors' model: the network loaded through the zoo from the official ONNX file
against onnxruntime running that same file, frame by frame with recurrent state, on real footage."""
from __future__ import annotations

from pathlib import Path

import pytest

from media_clips import decoded
from videomatte.export.checks import compare_with_onnx
from videomatte.models.weights.zoo import load_model

CI_FRAMES = 4   # enough to carry the recurrent state through three updates
FULL_FRAMES = 40  # the full check: `pytest -m full_parity` or benchmarks/parity_official.py
CASES = [  # (clip, ratios); the 1080p clip is checked at its recommended ratio only, to keep CI short
    ("person_short_360x640.mp4", (0.25, 0.4, 1.0)),
    ("person_walk_360x640.mp4", (0.25, 0.4, 1.0)),
    ("group_1920x1080.mp4", (0.25,)),
]


def _check(shared_data: Path, official_onnx: Path, clip: str, ratios: tuple, count: int) -> None:
    model = load_model("mobilenetv3", official_onnx)
    frames = decoded(shared_data / "clips" / clip, count=count)
    assert len(frames) == count
    for ratio in ratios:
        found = compare_with_onnx(model, official_onnx, frames, ratio)
        assert found.mean_abs <= 1e-6, f"{clip} @ {ratio}: mean |Δ| {found.mean_abs:.2e}"
        assert found.max_abs <= 5e-4, f"{clip} @ {ratio}: max |Δ| {found.max_abs:.2e}"


@pytest.mark.parametrize("clip,ratios", CASES, ids=[c for c, _ in CASES])
def test_matches_onnxruntime_on_real_clips(shared_data: Path, official_onnx: Path, clip: str, ratios: tuple) -> None:
    _check(shared_data, official_onnx, clip, ratios, CI_FRAMES)


@pytest.mark.full_parity
@pytest.mark.parametrize("clip,ratios", CASES, ids=[c for c, _ in CASES])
def test_matches_onnxruntime_over_forty_frames(shared_data: Path, official_onnx: Path, clip: str,
                                              ratios: tuple) -> None:
    _check(shared_data, official_onnx, clip, ratios, FULL_FRAMES)
