"""Fixtures for the evaluation tests: tiny synthetic matting datasets."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from evaluation_data import disc_matte, save


@pytest.fixture
def videomatte_root(tmp_path: Path) -> Path:
    """A VideoMatte240K-layout folder: two 6-frame 64x36 clips of a moving disc."""
    root = tmp_path / "vm"
    rng = np.random.default_rng(0)
    for clip in ("0000", "0001"):
        for t in range(6):
            pha = disc_matte(36, 64, 20 + 3 * t, 18, 10)
            fgr = rng.integers(0, 256, (36, 64, 3), dtype=np.uint8)
            save(root / "fgr" / clip / f"{t:05d}.jpg", fgr)
            save(root / "pha" / clip / f"{t:05d}.jpg", pha)
    return root


@pytest.fixture
def backgrounds_root(tmp_path: Path) -> Path:
    """Two background images of different sizes."""
    root = tmp_path / "bgs"
    rng = np.random.default_rng(1)
    save(root / "a.png", rng.integers(0, 256, (50, 80, 3), dtype=np.uint8))
    save(root / "b.jpg", rng.integers(0, 256, (90, 70, 3), dtype=np.uint8))
    return root
