"""Exports the tests share: the exporter answered from the session's graph cache (tests/conftest.py)."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest


def graphs_served_from(cache: Path, monkeypatch: pytest.MonkeyPatch) -> list:
    """Make the exporter, ``videomatte.export.onnx.trace_to_onnx``, answer from the graph cache under
    ``cache`` (the session's), which holds what the other tests exported, by ``graph_key`` as the cache
    names them: the bytes the exporter writes, copied rather than traced again; a graph nobody exported yet
    is traced and added there. Returns the settings of each call, in order."""
    import videomatte.export.onnx as onnx_export
    from videomatte.inference.graph_cache import graph_key

    calls: list = []
    real = onnx_export.trace_to_onnx

    def export(net, settings, target, rewrites=None):  # noqa: ANN001, ANN202 - trace_to_onnx's signature
        calls.append(settings)
        if rewrites is not None:
            return real(net, settings, target, rewrites)
        stored = cache / "graphs" / f"{graph_key(net, settings)}.onnx"
        if stored.is_file():
            shutil.copyfile(stored, target)
            return None
        real(net, settings, target)
        stored.parent.mkdir(parents=True, exist_ok=True)
        staged = stored.with_name(f".{stored.name}.{os.getpid()}")
        shutil.copyfile(target, staged)
        os.replace(staged, stored)
        return None

    monkeypatch.setattr(onnx_export, "trace_to_onnx", export)
    return calls
