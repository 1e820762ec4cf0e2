"""Names the export tests share: the project's own parity helpers and the fp32 tolerances."""
from __future__ import annotations

import torch

from videomatte.export.checks import TOLERANCES, synthetic_frames

MEAN_TOL, MAX_TOL = TOLERANCES["fp32"]


def frames(height: int, width: int, count: int = 10, seed: int = 1) -> torch.Tensor:
    return synthetic_frames(count, height, width, seed)
