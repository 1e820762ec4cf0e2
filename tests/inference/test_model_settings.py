"""``ModelSettings`` and ``create_session``: one description of the model, one place that makes sessions."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import videomatte
from media_clips import TINY_SIZE
from videomatte.errors import OptionError, UnknownModelError
from videomatte.inference.factory import create_session
from videomatte.inference.model_settings import ModelSettings
from videomatte.subject.prompt import SubjectPrompt


@pytest.mark.parametrize("fields,message", [
    ({"variant": "mobilenetv4"}, "choose one of: mobilenetv3"),
    ({"refiner": "bilateral"}, "deep_guided_filter"),
    ({"downsample_ratio": 0.0}, r"downsample ratio must be in \(0, 1\], got 0"),
    ({"downsample_ratio": float("nan")}, r"\(0, 1\]"),
    ({"backend": "tensorrt"}, "auto, torch, torchscript, onnxruntime"),
    ({"dtype": "int4"}, "unknown dtype 'int4'"),
    ({"device": "tpu"}, "unknown device 'tpu'"),
])
def test_bad_settings_are_refused_before_torch_loads(fields: dict, message: str) -> None:
    with pytest.raises((OptionError, UnknownModelError), match=message):
        ModelSettings(**fields)


def test_settings_are_frozen_and_portable(tmp_path, monkeypatch) -> None:
    weights = tmp_path / "net.pth"
    weights.write_bytes(b"x")
    monkeypatch.chdir(tmp_path)
    settings = ModelSettings(weights="net.pth", subject=SubjectPrompt.from_cli(["0.5,0.5"]))
    with pytest.raises(AttributeError):
        settings.variant = "resnet50"  # type: ignore[misc]
    assert settings.portable().weights == str(weights)
    assert settings.key()["subject"].startswith("SubjectPrompt(")
    assert settings.replace(downsample_ratio=0.5).downsample_ratio == 0.5


def test_create_session_chooses_the_runtime_and_names_it(tiny_net) -> None:
    auto = create_session(ModelSettings(device="cpu", downsample_ratio=0.5), network=tiny_net)
    assert auto.backend.name == "auto"  # float32 on the CPU: the runtime tuned on this machine
    assert "runtime='auto (" in repr(auto) and "downsample_ratio=0.5" in repr(auto)
    eager = create_session(ModelSettings(device="cpu", downsample_ratio=0.5), network=tiny_net, backend="torch")
    frame = np.random.default_rng(0).integers(0, 256, (*TINY_SIZE, 3), dtype=np.uint8)
    difference = (auto.step(frame).pha - eager.step(frame).pha).abs().mean()
    assert float(difference) <= 2e-3  # the tuned runtime keeps alpha within the tuning's budget


def test_the_public_api_names_the_house() -> None:
    assert videomatte.ModelSettings is ModelSettings and videomatte.create_session is create_session
    assert videomatte.SubjectPrompt is SubjectPrompt
    assert issubclass(videomatte.BatchError, videomatte.VideoMatteError)
    assert videomatte.ConvertOptions().model == ModelSettings()
    session = videomatte.MattingSession(weights=None, device="cpu")
    assert session.backend.name == "auto"  # the default is the fast runtime, not eager PyTorch


def test_the_original_constructor_and_strict_loading(shared_reference) -> None:
    """``MattingNetwork("mobilenetv3")`` as the authors build it takes a state_dict of their layout strictly."""
    for variant in ("mobilenetv3", "resnet50"):
        lines = (shared_reference / "keys" / f"{variant}_keys.txt").read_text().splitlines()
        layout = {name: eval(shape) for name, shape in (line.split("\t") for line in lines)}  # noqa: S307 - tuples
        network = videomatte.MattingNetwork(variant)
        state = {name: torch.zeros(shape) if shape else torch.tensor(0) for name, shape in layout.items()}
        assert network.load_state_dict(state, strict=True)
        assert network.variant == variant and sum(p.numel() for p in network.parameters()) in (3_748_633, 26_890_461)
    assert videomatte.MattingNetwork("resnet50", "fast_guided_filter").refiner_name == "fast_guided_filter"
    with pytest.raises(UnknownModelError, match="takes mobilenetv3 or resnet50"):
        videomatte.MattingNetwork("deeplab_convlstm")
