"""The network's layout, shapes and forward semantics, on random weights."""
from __future__ import annotations

import pytest
import torch

from shared_paths import SHARED
from videomatte.errors import UnknownModelError
from videomatte.models.network import MattingNetwork
from videomatte.models.registry import build_network
from videomatte.models.registry import auto_downsample_ratio, available_models, get_spec

STATE_CHANNELS = {"mobilenetv3": (16, 20, 40, 64), "resnet50": (16, 32, 64, 128)}


@pytest.fixture(scope="module", params=available_models())
def model(request: pytest.FixtureRequest) -> MattingNetwork:
    torch.manual_seed(0)
    return build_network(request.param).eval()


def test_parameter_count_matches_the_paper(model: MattingNetwork) -> None:
    assert sum(p.numel() for p in model.parameters()) == get_spec(model.variant).num_params


def test_state_dict_keys_and_shapes_match_the_original(model: MattingNetwork) -> None:
    keys_file = SHARED / "reference" / "keys" / f"{model.variant}_keys.txt"
    if not keys_file.is_file():
        pytest.skip(f"{keys_file} is absent")
    reference = [line.split("\t") for line in keys_file.read_text().splitlines()]
    ours = model.state_dict()
    assert list(ours) == [key for key, _ in reference]
    assert [str(tuple(ours[key].shape)) for key, _ in reference] == [shape for _, shape in reference]


@pytest.mark.parametrize("height,width,ratio", [(64, 64, 1.0), (97, 131, 1.0), (101, 163, 0.5), (270, 481, 0.25)])
def test_output_and_state_shapes(model: MattingNetwork, height: int, width: int, ratio: float) -> None:
    src = torch.rand(2, 3, height, width)
    with torch.no_grad():
        fgr, pha, *rec = model(src, downsample_ratio=ratio)
    assert fgr.shape == (2, 3, height, width) and pha.shape == (2, 1, height, width)
    h, w = int(height * ratio), int(width * ratio)
    for level, (state, channels) in enumerate(zip(rec, STATE_CHANNELS[model.variant]), start=1):
        for _ in range(level):
            h, w = -(-h // 2), -(-w // 2)
        assert state.shape == (2, channels, h, w)
        h, w = int(height * ratio), int(width * ratio)


def test_hd_state_shapes_of_the_reference() -> None:
    model = build_network("mobilenetv3").eval()
    with torch.no_grad():
        _, _, *rec = model(torch.rand(1, 3, 1080, 1920), downsample_ratio=0.25)
    assert [tuple(r.shape) for r in rec] == [(1, 16, 135, 240), (1, 20, 68, 120), (1, 40, 34, 60), (1, 64, 17, 30)]


def test_outputs_are_clamped(model: MattingNetwork) -> None:
    with torch.no_grad():
        fgr, pha, *_ = model(torch.rand(1, 3, 48, 80) * 3 - 1, downsample_ratio=0.5)
    assert fgr.min() >= 0 and fgr.max() <= 1 and pha.min() >= 0 and pha.max() <= 1


def test_state_changes_the_output() -> None:
    model = build_network("mobilenetv3").eval()
    src = torch.rand(1, 3, 64, 64)
    with torch.no_grad():
        first, _, *rec = model(src)
        second, *_ = model(src, *rec)
    assert not torch.allclose(first, second)


def test_refiner_runs_only_below_ratio_one(monkeypatch: pytest.MonkeyPatch) -> None:
    model = build_network("mobilenetv3").eval()
    calls = []
    original = model.refiner.forward
    monkeypatch.setattr(model.refiner, "forward", lambda *a: calls.append(1) or original(*a))
    with torch.no_grad():
        model(torch.rand(1, 3, 64, 64), downsample_ratio=1.0)
        assert calls == []
        model(torch.rand(1, 3, 64, 64), downsample_ratio=0.5)
        assert calls == [1]
        model(torch.rand(1, 3, 64, 64), downsample_ratio=1.0, force_refiner=True)
        assert calls == [1, 1]


def test_segmentation_pass_returns_logits_at_the_low_resolution() -> None:
    model = build_network("mobilenetv3").eval()
    with torch.no_grad():
        seg, *rec = model(torch.rand(2, 3, 3, 64, 96), downsample_ratio=0.5, segmentation_pass=True)
    assert seg.shape == (2, 3, 1, 32, 48) and len(rec) == 4
    assert torch.isfinite(seg).all()


def test_fast_guided_filter_refiner_has_no_parameters() -> None:
    model = build_network("mobilenetv3", "fast_guided_filter").eval()
    assert not any(k.startswith("refiner.") for k in model.state_dict())
    with torch.no_grad():
        fgr, pha, *_ = model(torch.rand(1, 3, 75, 131), downsample_ratio=0.5)
    assert fgr.shape == (1, 3, 75, 131) and pha.shape == (1, 1, 75, 131)


def test_unknown_names_are_rejected_with_the_choices() -> None:
    with pytest.raises(UnknownModelError, match="mobilenetv3"):
        build_network("mobilenetv4")
    with pytest.raises(UnknownModelError, match="deep_guided_filter"):
        build_network("mobilenetv3", "bilateral")


@pytest.mark.parametrize("size,expected", [((288, 512), 1.0), ((1080, 1920), 512 / 1920), ((2160, 3840), 512 / 3840),
                                           ((1920, 1080), 512 / 1920)])
def test_auto_downsample_ratio(size: tuple[int, int], expected: float) -> None:
    assert auto_downsample_ratio(*size) == pytest.approx(expected)
