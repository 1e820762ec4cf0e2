"""Fixtures of the live tests: one random network shared by a module's sessions, and a slow stand-in model."""
from __future__ import annotations

import pytest


@pytest.fixture(scope="module")
def network(random_weights):
    """A randomly initialised mobilenetv3, shared by the sessions of a module (each session holds its state)."""
    from videomatte.models.weights.zoo import load_model

    return load_model("mobilenetv3", weights=str(random_weights))


@pytest.fixture
def recording_camera():
    """``RecordingCamera`` registered as pyvirtualcam's ``recording`` backend for one test, then removed
    (pyvirtualcam tries every registered backend when none is named)."""
    pyvirtualcam = pytest.importorskip("pyvirtualcam")
    from live_fakes import RecordingCamera

    RecordingCamera.opened.clear()
    pyvirtualcam.register_backend("recording", RecordingCamera)
    yield RecordingCamera
    pyvirtualcam.camera.BACKENDS.pop("recording", None)
