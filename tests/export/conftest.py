"""Fixtures of the export tests: a small random-init network and exports of it, made once per session."""
from __future__ import annotations

from pathlib import Path

import pytest
import torch

from videomatte.models.network import MattingNetwork
from videomatte.models.registry import build_network


@pytest.fixture(scope="session")
def tiny_net() -> MattingNetwork:
    """A random-init mobilenetv3 whose alpha varies over the picture (bias 0.5, amplified weights)."""
    torch.manual_seed(0)
    net = build_network("mobilenetv3").eval()
    with torch.no_grad():
        net.project_mat.conv.bias[3] = 0.5
        net.project_mat.conv.weight[3] *= 5
    return net


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
