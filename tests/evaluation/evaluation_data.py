"""Helpers for the evaluation tests: the shared data folder and writing tiny synthetic datasets."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

SHARED_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"


def shared(*parts: str) -> Path:
    """A path under ``../shared/data``; skips the test with a reason when it is absent."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"shared test data not found: {path}")
    return path


def save(path: Path, array: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(array).save(path)


def disc_matte(h: int, w: int, cx: float, cy: float, r: float) -> np.ndarray:
    """``uint8 [h, w]``: a soft-edged disc (alpha ramps over 2 pixels)."""
    yy, xx = np.mgrid[0:h, 0:w]
    dist = np.hypot(xx - cx, yy - cy)
    return (np.clip(r - dist, 0.0, 2.0) / 2.0 * 255).round().astype(np.uint8)


def write_clip(root: Path, clip: str, phas: np.ndarray, fgrs: np.ndarray | None = None, com: bool = False) -> None:
    """Write ``root/clip/pha/NNNN.png`` (+ fgr, + com = fgr) from ``uint8`` stacks."""
    for t, pha in enumerate(phas):
        save(root / clip / "pha" / f"{t:04d}.png", pha)
        if fgrs is not None:
            save(root / clip / "fgr" / f"{t:04d}.png", fgrs[t])
            if com:
                save(root / clip / "com" / f"{t:04d}.png", fgrs[t])
