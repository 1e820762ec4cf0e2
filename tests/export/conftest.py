"""Fixtures of the export tests: exports of the random-init ``tiny_net`` (tests/conftest.py), made once per session."""
from __future__ import annotations

from pathlib import Path

import pytest

from media_clips import TINY_SIZE
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
def static_onnx(tiny_net: MattingNetwork, export_dir: Path, _private_weights_cache: Path) -> Path:
    """Static ``TINY_SIZE`` (64x96) input, ratio 0.5 baked in: checked and written by ``export_onnx``, the
    trace itself copied from the session's graph cache where another test traced it already (the backend
    and tuning tests run this graph: tests/graph_sharing.py; the bytes are the exporter's own)."""
    from graph_sharing import graphs_served_from
    from videomatte.export.onnx import OnnxSettings, export_onnx

    with pytest.MonkeyPatch.context() as monkeypatch:
        graphs_served_from(_private_weights_cache, monkeypatch)
        return export_onnx(tiny_net, export_dir / "static.onnx", OnnxSettings(ratio=0.5, static=TINY_SIZE)).path
