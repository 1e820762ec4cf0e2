"""Shared fixtures: synthetic clips (made once per session), the optional shared data folder, the
official weights, and a private weights cache.

Data from ``../shared/data`` (real clips, the official ONNX weights) is used where present; tests that
need it skip with the reason when it is absent, as in a user's fresh clone.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from graph_sharing import graphs_served_from
from media_clips import make_clip
from shared_paths import OFFICIAL_ONNX, SHARED, SHARED_DATA


@pytest.fixture(autouse=True, scope="session")
def _private_weights_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Never read or write the user's own weights cache from tests: one cache for the session."""
    cache = tmp_path_factory.mktemp("weights-cache")
    os.environ["VIDEOMATTE_CACHE"] = str(cache)
    return cache


@pytest.fixture
def shared_graphs(_private_weights_cache: Path, monkeypatch: pytest.MonkeyPatch) -> list:
    """For a test whose ``VIDEOMATTE_CACHE`` is its own (testing the graph cache, or a tuning of its own)
    or that exports a graph other tests export too: every export of the test through
    ``graphs_served_from`` the session's cache. The test's own cache still sees each call as an export.
    Returns the settings of each call, in order."""
    return graphs_served_from(_private_weights_cache, monkeypatch)


@pytest.fixture(scope="session")
def official_onnx() -> Path:
    """The authors' ONNX export of the MobileNetV3 model, or a skip when it is absent."""
    if not OFFICIAL_ONNX.is_file():
        pytest.skip(f"official weights {OFFICIAL_ONNX} are absent (they sit beside the repository in development)")
    return OFFICIAL_ONNX


@pytest.fixture(scope="session")
def shared_reference() -> Path:
    """``../shared/reference`` (the original's state_dict layouts), or a skip when it is absent."""
    reference = SHARED / "reference"
    if not (reference / "keys").is_dir():
        pytest.skip(f"the original's key layouts are not at {reference.resolve()}")
    return reference.resolve()


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """``../shared/data`` next to the repository, or a skip when it is absent (a fresh clone)."""
    if not (SHARED_DATA / "clips").is_dir():
        pytest.skip(f"shared test data not found at {SHARED_DATA.resolve()}")
    return SHARED_DATA.resolve()


@pytest.fixture(scope="session")
def clip_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("clips")


@pytest.fixture(scope="session")
def ntsc_clip(clip_dir: Path) -> Path:
    """10 frames, 96x64, 30000/1001 fps, with an AAC audio track."""
    path = clip_dir / "ntsc_audio.mp4"
    make_clip(path, frames=10, audio=True)
    return path


@pytest.fixture(scope="session")
def odd_clip(clip_dir: Path) -> Path:
    """6 frames of an odd size (73x41), no audio."""
    path = clip_dir / "odd.mp4"
    make_clip(path, frames=6, width=73, height=41)
    return path


@pytest.fixture(scope="session")
def random_weights(tmp_path_factory: pytest.TempPathFactory, tiny_net) -> Path:  # noqa: ANN001
    """``tiny_net``'s weights saved to a file, so that several sessions share them."""
    import torch

    path = tmp_path_factory.mktemp("weights") / "random_mobilenetv3.pth"
    torch.save(tiny_net.state_dict(), path)
    return path


@pytest.fixture(scope="session")
def tiny_net():  # noqa: ANN201 - a MattingNetwork, imported lazily
    """A random-init mobilenetv3 whose alpha varies over the picture (bias 0.5, amplified weights)."""
    import torch

    from videomatte.models.registry import build_network

    torch.manual_seed(0)
    net = build_network("mobilenetv3").eval()
    with torch.no_grad():
        net.project_mat.conv.bias[3] = 0.5
        net.project_mat.conv.weight[3] *= 5
    return net


@pytest.fixture
def one_torch_thread():  # noqa: ANN201 - a generator fixture
    """One torch thread for the test: at tiny sizes more threads only wait on each other (and on a busy
    machine, badly)."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
