"""Fixtures of the export tests: exports of the random-init ``tiny_net`` (tests/conftest.py), made once per session."""
from __future__ import annotations

from pathlib import Path

import pytest

from videomatte.models.network import MattingNetwork


@pytest.fixture(scope="session")
def export_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("exports")


@pytest.fixture(scope="session")
def dynamic_onnx(tiny_net: MattingNetwork, export_dir: Path) -> Path:
    """Dynamic shapes, runtime ``downsample_ratio`` (the original export's contract)."""
    from videomatte.export.onnx import export_onnx

    return export_onnx(tiny_net, export_dir / "dynamic.onnx").path


@pytest.fixture(scope="session")
def static_onnx(tiny_net: MattingNetwork, export_dir: Path) -> Path:
    """Static 72x128 input, ratio 0.5 baked in."""
    from videomatte.export.onnx import OnnxSettings, export_onnx

    return export_onnx(tiny_net, export_dir / "static.onnx", OnnxSettings(ratio=0.5, static=(72, 128))).path
