"""Parity with the authors' model: the network loaded through the zoo from the official ONNX file
against onnxruntime running that same file, frame by frame with recurrent state, on real footage."""
from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest

from videomatte.export.checks import compare_with_onnx
from videomatte.models.weights.zoo import load_model

FRAMES = 40
CASES = [  # (clip, ratios); the 1080p clip is checked at its recommended ratios only, to keep CI short
    ("person_short_360x640.mp4", (0.25, 0.4, 1.0)),
    ("person_walk_360x640.mp4", (0.25, 0.4, 1.0)),
    ("group_1920x1080.mp4", (0.25,)),
]


def _frames(path: Path, count: int) -> list[np.ndarray]:
    with av.open(str(path)) as container:
        frames = []
        for frame in container.decode(video=0):
            frames.append(frame.to_ndarray(format="rgb24"))
            if len(frames) == count:
                return frames
    return frames


@pytest.mark.slow
@pytest.mark.parametrize("clip,ratios", CASES, ids=[c for c, _ in CASES])
def test_matches_onnxruntime_on_real_clips(shared_data: Path, official_onnx: Path, clip: str, ratios: tuple) -> None:
    model = load_model("mobilenetv3", official_onnx)
    frames = _frames(shared_data / "clips" / clip, FRAMES)
    assert len(frames) == FRAMES
    for ratio in ratios:
        found = compare_with_onnx(model, official_onnx, frames, ratio)
        assert found.mean <= 1e-6, f"{clip} @ {ratio}: mean |Δ| {found.mean:.2e}"
        assert found.max <= 5e-4, f"{clip} @ {ratio}: max |Δ| {found.max:.2e}"
