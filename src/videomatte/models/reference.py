"""Compare this network with the authors' ONNX export run by onnxruntime, frame by frame with state.

The export always runs the refiner, so the network is run with ``force_refiner=True``.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np
import torch

from videomatte.models.network import MattingNetwork


@dataclass(frozen=True)
class Deviation:
    """Absolute differences over ``frames`` frames, foreground and alpha together."""

    ratio: float
    frames: int
    mean: float
    max: float


def compare_with_onnx(model: MattingNetwork, onnx_path: str | Path, frames: Sequence[np.ndarray],
                      ratio: float) -> Deviation:
    """Run ``model`` and the ONNX file side by side over ``frames`` (uint8 ``[H, W, 3]`` RGB)."""
    import onnxruntime as ort

    session = ort.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
    device = model.device
    rec: list = [None] * 4
    rec_onnx = [np.zeros((1, 1, 1, 1), np.float32)] * 4
    means, maxima = [], []
    for rgb in frames:
        src = torch.from_numpy(rgb).permute(2, 0, 1)[None].float().div(255)
        with torch.inference_mode():
            fgr, pha, *rec = model(src.to(device), *rec, downsample_ratio=ratio, force_refiner=True)
        feeds = {"src": src.numpy(), "downsample_ratio": np.array([ratio], np.float32)}
        feeds.update({f"r{i}i": r for i, r in enumerate(rec_onnx, start=1)})
        fgr_ref, pha_ref, *rec_onnx = session.run(None, feeds)
        diff = np.concatenate([np.abs(fgr.float().cpu().numpy() - fgr_ref).ravel(),
                               np.abs(pha.float().cpu().numpy() - pha_ref).ravel()])
        means.append(diff.mean())
        maxima.append(diff.max())
    return Deviation(ratio, len(frames), float(np.mean(means)), float(np.max(maxima)))
