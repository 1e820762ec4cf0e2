"""Every registered variant builds, runs at odd sizes, carries its state, and says it has no weights."""
from __future__ import annotations

import pytest
import torch

from videomatte.errors import UnknownModelError, WeightsError
from videomatte.models.network import MattingNetwork
from videomatte.models.registry import available_models, get_spec, variant_name
from videomatte.models.registry import build_network
from videomatte.models.weights.zoo import fetch_official

SEED_VARIANTS = [n for n in available_models(include_unreleased=True) if not get_spec(n).released_weights]


def test_registry_lists_the_design_options() -> None:
    assert available_models() == ["mobilenetv3", "resnet50"]
    assert set(SEED_VARIANTS) == {variant_name(b, c, m) for b in ("mobilenetv3", "resnet50")
                                  for c in ("gru", "lstm") for m in (False, True)} - {"mobilenetv3", "resnet50"} | {"deeplab_convlstm"}
    assert variant_name("resnet50", "lstm", True) == "resnet50_convlstm_brm"
    with pytest.raises(UnknownModelError, match="recurrent cell"):
        variant_name("mobilenetv3", "rnn")
    with pytest.raises(UnknownModelError, match="build_network"):
        MattingNetwork("deeplab_convlstm")


@pytest.mark.parametrize("name", SEED_VARIANTS)
def test_no_released_weights_is_said_clearly(name: str) -> None:
    spec = get_spec(name)
    assert "without released weights" in spec.description
    with pytest.raises(WeightsError, match="no released weights"):
        fetch_official(spec)


CASES = [(name, "deep_guided_filter") for name in available_models(include_unreleased=True)]
CASES += [("mobilenetv3", "prm"), ("mobilenetv3_convlstm_brm", "prm"), ("deeplab_convlstm", "prm")]


@pytest.mark.parametrize("name,refiner", CASES)
def test_builds_runs_and_carries_state(name: str, refiner: str) -> None:
    torch.manual_seed(0)
    net = build_network(name, refiner).eval()
    assert sum(p.numel() for p in net.parameters()) == get_spec(name).num_params or refiner != "deep_guided_filter"
    src = torch.rand(1, 3, 3, 45, 61)
    with torch.no_grad():
        fgr, pha, *chunk_rec = net(src, downsample_ratio=0.5)
        rec: list = [None] * 4
        for t in range(3):
            f, p, *rec = net(src[:, t], *rec, downsample_ratio=0.5)
            torch.testing.assert_close(p, pha[:, t], rtol=1e-4, atol=1e-4)
            torch.testing.assert_close(f, fgr[:, t], rtol=1e-4, atol=1e-4)
        stateless = net(src[:, 2], downsample_ratio=0.5)[2]  # r1 after frame 3 without frames 1-2
    assert fgr.shape == (1, 3, 3, 45, 61) and pha.shape == (1, 3, 1, 45, 61)
    for level, (state, shape) in enumerate(zip(chunk_rec, net.state_layout(45, 61, 0.5))):
        assert tuple(state.shape) == (1, *shape), f"r{level + 1}"
        torch.testing.assert_close(state, rec[level], rtol=1e-4, atol=1e-4)
    assert not torch.allclose(stateless, rec[0], atol=1e-6), "the state must carry information"
