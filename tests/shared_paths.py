"""Where the development data beside the repository lives (absent in a user's fresh clone)."""
from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
SHARED_DATA = SHARED / "data"
OFFICIAL_ONNX = SHARED_DATA / "weights" / "rvm_mobilenetv3_fp32.onnx"
