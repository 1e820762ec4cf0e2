"""Running an ONNX export and the eager network side by side over frames, with the state carried."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from videomatte.export.checks import synthetic_frames
from videomatte.export.runner import OnnxRunner, open_session

MEAN_TOL, MAX_TOL = 1e-6, 5e-4  # fp32 round-trip tolerances of issue 4


def eager_run(net, frames: torch.Tensor, ratio: float, force_refiner: bool = False) -> list[list[np.ndarray]]:
    rec, out = [None] * 4, []
    with torch.inference_mode():
        for frame in frames:
            fgr, pha, *rec = net(frame[None], *rec, downsample_ratio=ratio, force_refiner=force_refiner)
            out.append([t.numpy() for t in (fgr, pha, *rec)])
    return out


def ort_run(session, frames: torch.Tensor, ratio: float | None) -> list[list[np.ndarray]]:
    runner = OnnxRunner(session)
    return [[*runner.step(frame[None].numpy(), ratio), *runner.states] for frame in frames]


def differences(expected: list[list[np.ndarray]], actual: list[list[np.ndarray]]) -> tuple[float, float]:
    """(mean, max) |difference| over every output of every frame."""
    diffs = [np.abs(e - a).ravel() for ef, af in zip(expected, actual) for e, a in zip(ef, af)]
    flat = np.concatenate(diffs)
    return float(flat.mean()), float(flat.max())


def frames(height: int, width: int, count: int = 10, seed: int = 1) -> torch.Tensor:
    return synthetic_frames(count, height, width, seed)


def session(path: Path):
    return open_session(path)
