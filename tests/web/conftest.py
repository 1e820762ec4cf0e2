"""Fixtures of the web tests: a real server on a free local port (one per module), and small clips."""
from __future__ import annotations

import socket
from pathlib import Path

import pytest

from web_media import CLIP_FRAMES, GROUP_FRAMES, GROUP_SIZE, trim_clip, write_y4m


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(weights: Path, **limits: float):
    """``videomatte serve`` in this process on a free port (``close()`` it); limits are ServeSettings'.

    The runtime is pinned to onnxruntime: the pages and the API are under test here, not the runtime the
    tuner picks (tests/inference), and a tuning per frame size and ratio would cost a second or more."""
    from videomatte.web.app import launch
    from videomatte.inference.model_settings import ModelSettings
    from videomatte.web.settings import ServeSettings

    settings = ServeSettings(model=ModelSettings(weights=str(weights), device="cpu", backend="onnxruntime"), **limits)
    return launch(settings, host="127.0.0.1", port=free_port(), block=False)


@pytest.fixture(scope="session")
def server(official_onnx: Path):
    """One real server for the web tests (the authors' ONNX weights; 2 MB and 5 s limits)."""
    served = start_server(official_onnx, max_upload_mb=2, max_duration_s=5)
    yield served
    served.close()


@pytest.fixture(scope="module")
def short_clip(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The first frames of a real shared clip (360x640, 24 fps), no audio."""
    out = tmp_path_factory.mktemp("web-clips") / "person.mp4"
    return trim_clip(shared_data / "clips" / "person_short_360x640.mp4", out, CLIP_FRAMES)


@pytest.fixture(scope="module")
def group_clip(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The first frames of the shared three-person clip, scaled down to 384x216."""
    out = tmp_path_factory.mktemp("web-group") / "group.mp4"
    return trim_clip(shared_data / "clips" / "group_1920x1080.mp4", out, GROUP_FRAMES, GROUP_SIZE)


@pytest.fixture(scope="module")
def camera_y4m(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A shared clip as a y4m file for Chromium's fake camera."""
    out = tmp_path_factory.mktemp("web-camera") / "camera.y4m"
    return write_y4m(shared_data / "clips" / "person_short_360x640.mp4", out, frames=24)
