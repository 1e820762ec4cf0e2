"""Each seed option trains: a few Adam steps on one synthetic batch lower its loss, seed losses included."""
from __future__ import annotations

import pytest
import torch
from torch.nn import functional as F

from videomatte.training.variant_losses import variant_losses
from videomatte.models.registry import build_network

pytestmark = pytest.mark.slow  # several optimiser steps of a full network each

OPTIONS = [
    ("mobilenetv3_convlstm", "deep_guided_filter", 0.5, set()),
    ("mobilenetv3_brm", "deep_guided_filter", 0.5, {"brm_background"}),
    ("mobilenetv3", "prm", 0.5, {"prm_alpha_hr", "prm_flaw"}),
    pytest.param("resnet50_convlstm_brm", "prm", 0.5, {"brm_background", "prm_alpha_hr", "prm_flaw"},
                 marks=pytest.mark.slow),
    pytest.param("deeplab_convlstm", "deep_guided_filter", 1.0, {"error_map_pha_sobel", "error_map_l1"}, marks=pytest.mark.slow),
]


def _batch() -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """A disc over a smooth background, 2 clips of 2 frames at 48x48: ``(fgr, pha, bgr)`` ``[B, T, C, H, W]``."""
    g = torch.Generator().manual_seed(0)
    ys, xs = torch.meshgrid(torch.linspace(-1, 1, 48), torch.linspace(-1, 1, 48), indexing="ij")
    pha = ((0.5 - (xs**2 + ys**2).sqrt()) * 8).clamp(0, 1).expand(2, 2, 1, 48, 48)
    fgr = torch.rand(2, 1, 3, 1, 1, generator=g).expand(2, 2, 3, 48, 48)
    bgr = (torch.rand(2, 1, 3, 48, 48, generator=g) * 0.3 + 0.5 * xs).clamp(0, 1).expand(2, 2, 3, 48, 48)
    return fgr.contiguous(), pha.contiguous(), bgr.contiguous()


@pytest.mark.parametrize("name,refiner,ratio,expected_terms", OPTIONS)
def test_option_trains_with_falling_loss(name: str, refiner: str, ratio: float, expected_terms: set[str]) -> None:
    torch.manual_seed(0)
    net = build_network(name, refiner).train()
    optimizer = torch.optim.Adam(net.parameters(), lr=1e-3)
    true_fgr, true_pha, true_bgr = _batch()
    src = true_fgr * true_pha + true_bgr * (1 - true_pha)
    history = []
    for _ in range(6):
        aux: dict = {}
        fgr, pha = net(src, downsample_ratio=ratio, aux=aux)[:2]
        terms = variant_losses(aux, fgr, pha, true_fgr, true_pha, true_bgr)
        assert set(terms) == expected_terms
        loss = F.l1_loss(pha, true_pha) + F.l1_loss(true_pha * fgr, true_pha * true_fgr) + sum(terms.values())
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        history.append(float(loss.detach()))
    assert history[-1] < history[0], history


@pytest.mark.parametrize("name", ["mobilenetv3_brm", "deeplab_convlstm"])
def test_the_trainer_optimises_every_parameter_of_a_variant(name: str) -> None:
    from videomatte.training.builders import build_optimizer
    from videomatte.training.config import config_from_dict

    net = build_network(name)
    groups = build_optimizer(net, config_from_dict({"data": {"matting_train": "x"}})).param_groups
    optimised = {id(p) for g in groups for p in g["params"]}
    assert optimised == {id(p) for p in net.parameters()}


def test_a_variant_starts_from_the_matching_official_tensors(tmp_path) -> None:
    from safetensors.torch import save_file

    from videomatte.models.weights.zoo import load_matching_weights

    torch.manual_seed(0)
    rvm = build_network("mobilenetv3")
    save_file({k: v.contiguous() for k, v in rvm.state_dict().items()}, str(tmp_path / "rvm.safetensors"))
    lstm = build_network("mobilenetv3_convlstm")
    copied, left = load_matching_weights(lstm, tmp_path / "rvm.safetensors")
    own = lstm.state_dict()
    assert torch.equal(own["backbone.features.0.0.weight"], rvm.state_dict()["backbone.features.0.0.weight"])
    assert left == sum(".lstm." in k for k in own) and copied == len(own) - left
