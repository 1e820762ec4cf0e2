"""Parity with the authors' model: the network loaded through the zoo from the official ONNX file
against onnxruntime running that same file, frame by frame with recurrent state, on real footage."""
from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest
import torch

from videomatte.models.zoo import load_model

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


def _deviation(model, session, frames: list[np.ndarray], ratio: float) -> tuple[float, float]:
    rec: list = [None] * 4
    rec_onnx = [np.zeros((1, 1, 1, 1), np.float32)] * 4
    means, maxima = [], []
    for rgb in frames:
        src = torch.from_numpy(rgb).permute(2, 0, 1)[None].float().div(255)
        with torch.no_grad():
            fgr, pha, *rec = model(src, *rec, downsample_ratio=ratio, force_refiner=True)
        feeds = {"src": src.numpy(), "downsample_ratio": np.array([ratio], np.float32)}
        feeds.update({f"r{i}i": r for i, r in enumerate(rec_onnx, start=1)})
        fgr_ref, pha_ref, *rec_onnx = session.run(None, feeds)
        diff = np.concatenate([np.abs(fgr.numpy() - fgr_ref).ravel(), np.abs(pha.numpy() - pha_ref).ravel()])
        means.append(diff.mean())
        maxima.append(diff.max())
    return float(np.mean(means)), float(np.max(maxima))


@pytest.mark.slow
@pytest.mark.parametrize("clip,ratios", CASES, ids=[c for c, _ in CASES])
def test_matches_onnxruntime_on_real_clips(shared_data: Path, official_onnx: Path, clip: str, ratios: tuple) -> None:
    import onnxruntime as ort

    model = load_model("mobilenetv3", official_onnx)
    session = ort.InferenceSession(str(official_onnx), providers=["CPUExecutionProvider"])
    frames = _frames(shared_data / "clips" / clip, FRAMES)
    assert len(frames) == FRAMES
    for ratio in ratios:
        mean, worst = _deviation(model, session, frames, ratio)
        assert mean <= 1e-6, f"{clip} @ {ratio}: mean |Δ| {mean:.2e}"
        assert worst <= 5e-4, f"{clip} @ {ratio}: max |Δ| {worst:.2e}"
