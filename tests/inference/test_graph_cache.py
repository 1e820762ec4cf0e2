"""The onnxruntime backend's on-disk cache of exported graphs: reused, keyed on the weights, self-healing."""
from __future__ import annotations

import copy

import pytest
import torch

from media_clips import TINY_SIZE
from videomatte.inference.backends import OnnxRuntimeBackend
from videomatte.inference.graph_cache import graph_key, graphs_dir

pytestmark = pytest.mark.slow  # each backend exports the network once


@pytest.fixture
def private_cache(tmp_path, monkeypatch, shared_graphs):
    """A cache of the test's own; returns the settings of every export (tests/conftest.py: the exporter's
    graphs, copied from the session's cache where another test exported them already)."""
    monkeypatch.setenv("VIDEOMATTE_CACHE", str(tmp_path / "cache"))
    return shared_graphs


def _run(net, frame):
    backend = OnnxRuntimeBackend(net, torch.device("cpu"), torch.float32)
    fgr, pha, _ = backend(frame, [None] * 4, 0.5)
    return pha


def test_a_second_backend_reuses_the_exported_graph_and_others_get_their_own(tiny_net, private_cache):
    frame = torch.rand(1, 1, 3, *TINY_SIZE)
    first = _run(tiny_net, frame)
    second = _run(tiny_net, frame)
    assert len(private_cache) == 1 and len(list(graphs_dir().glob("*.onnx"))) == 1
    assert torch.equal(first, second)
    _run(tiny_net, torch.rand(1, 1, 3, 32, 64))  # another size is another graph
    assert len(private_cache) == 2
    other = copy.deepcopy(tiny_net)  # and other weights too
    with torch.no_grad():
        other.project_mat.conv.bias[3] += 0.25
    assert graph_key(other, "settings") != graph_key(tiny_net, "settings")
    unused = copy.deepcopy(tiny_net)
    with torch.no_grad():
        unused.project_seg.conv.weight.normal_()  # the segmentation head: random on every ONNX load
    assert graph_key(unused, "settings") == graph_key(tiny_net, "settings")
    assert not torch.equal(first, _run(other, frame))
    assert len(private_cache) == 3


def test_a_damaged_cached_graph_is_exported_again(tiny_net, private_cache):
    frame = torch.rand(1, 1, 3, *TINY_SIZE)
    expected = _run(tiny_net, frame)
    (cached,) = graphs_dir().glob("*.onnx")
    cached.write_bytes(b"not a graph")
    assert torch.equal(_run(tiny_net, frame), expected)
    assert len(private_cache) == 2 and cached.read_bytes() != b"not a graph"


def test_an_unwritable_cache_only_costs_the_export(tiny_net, private_cache, tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("VIDEOMATTE_CACHE", str(blocker))  # its graphs folder cannot be created
    frame = torch.rand(1, 1, 3, *TINY_SIZE)
    assert torch.equal(_run(tiny_net, frame), _run(tiny_net, frame))
    assert len(private_cache) == 2


def test_a_change_in_a_models_subfolder_changes_the_code_fingerprint(tmp_path, monkeypatch):
    import shutil

    from videomatte.inference import graph_cache

    for folder in ("models", "export"):
        shutil.copytree(graph_cache._PACKAGE / folder, tmp_path / folder)
    monkeypatch.setattr(graph_cache, "_PACKAGE", tmp_path)
    before = graph_cache._code_fingerprint()
    layers = tmp_path / "models" / "blocks" / "layers.py"
    layers.write_text(layers.read_text() + "\n# changed\n")
    assert graph_cache._code_fingerprint() != before


def test_the_cache_keeps_the_most_recently_used_graphs_within_its_limit(tmp_path):
    import os

    from videomatte.inference.graph_cache import prune

    for age, name in enumerate(["new", "middle", "old"]):
        path = tmp_path / f"{name}.onnx"
        path.write_bytes(b"x" * 100)
        os.utime(path, (1_000_000 - age * 10, 1_000_000 - age * 10))
    (tmp_path / "notes.txt").write_bytes(b"y" * 500)  # not a graph: never touched
    assert prune(tmp_path, limit=250) == [tmp_path / "old.onnx"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["middle.onnx", "new.onnx", "notes.txt"]
