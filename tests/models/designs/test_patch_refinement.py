"""MODNet-V's patch refinement module: flaw map, selective refinement, losses."""
from __future__ import annotations

import math

import pytest
import torch

from videomatte.models.designs.patch_refinement import PatchRefiner, grid_size


def _inputs(height: int = 37, width: int = 53, small: tuple[int, int] = (18, 26)) -> tuple[torch.Tensor, ...]:
    torch.manual_seed(0)
    return (torch.rand(2, 3, height, width), torch.rand(2, 3, *small), torch.randn(2, 3, *small) * 0.1,
            torch.rand(2, 1, *small), torch.rand(2, 16, *small))


def test_grid_size_follows_the_resolution_rule() -> None:
    assert grid_size(2160, 3840) == 16 and grid_size(2160, 4096) == 16
    assert grid_size(4320, 7680) == 32


def test_shapes_at_odd_sizes() -> None:
    prm = PatchRefiner().eval()
    fine, base, fgr, pha, hid = _inputs()
    out_fgr, out_pha = prm(fine, base, fgr, pha, hid)
    assert out_fgr.shape == (2, 3, 37, 53) and out_pha.shape == (2, 1, 37, 53)
    assert prm.flaw_map(out_pha, 16).shape == (2, 1, 16, 16)


def test_no_flagged_patch_leaves_the_coarse_matte_unchanged() -> None:
    prm = PatchRefiner().eval()
    torch.nn.init.constant_(prm.flaw_head[2].bias, -20.0)  # flaw probabilities ~2e-9 < xi everywhere
    fine, base, fgr, pha, hid = _inputs()
    out_fgr, out_pha = prm(fine, base, fgr, pha, hid)
    coarse_pha = torch.nn.functional.interpolate(pha, size=(37, 53), mode="bilinear", align_corners=False)
    coarse_fgr = torch.nn.functional.interpolate(fgr, size=(37, 53), mode="bilinear", align_corners=False)
    torch.testing.assert_close(out_pha, coarse_pha, rtol=0, atol=0)
    torch.testing.assert_close(out_fgr, coarse_fgr, rtol=0, atol=0)


@pytest.mark.parametrize("n,i,j", [(0, 0, 0), (1, 5, 11), (0, 12, 13)])  # (12, 13): clipped by the border
def test_one_flagged_patch_changes_only_that_patch(n: int, i: int, j: int) -> None:
    prm = PatchRefiner().eval()
    fine, _, _, _, _ = _inputs()
    coarse_fgr, coarse_pha = torch.rand(2, 3, 37, 53) * 0.1, torch.rand(2, 1, 37, 53)
    selected = torch.zeros(2, 16, 16, dtype=torch.bool)
    selected[n, i, j] = True
    out_fgr, out_pha = prm.refine(fine, coarse_fgr, coarse_pha, selected)
    ph, pw = math.ceil(37 / 16), math.ceil(53 / 16)
    inside = torch.zeros(2, 1, 37, 53, dtype=torch.bool)
    inside[n, :, i * ph : (i + 1) * ph, j * pw : (j + 1) * pw] = True
    changed = (out_pha != coarse_pha) | (out_fgr != coarse_fgr).any(dim=1, keepdim=True)
    assert changed.any(), "the flagged patch must be refined"
    assert not (changed & ~inside).any(), "pixels outside the flagged patch changed"


def test_threshold_selects_patches_at_inference() -> None:
    prm = PatchRefiner().eval()
    fine, base, fgr, pha, hid = _inputs()
    coarse = torch.nn.functional.interpolate(pha, size=(37, 53), mode="bilinear", align_corners=False)
    flaw = prm.flaw_map(coarse.clamp(0, 1), 16)[:, 0]
    expected_pha = prm.refine(fine, torch.nn.functional.interpolate(fgr, size=(37, 53), mode="bilinear",
                                                                    align_corners=False), coarse, flaw > 0.01)[1]
    torch.testing.assert_close(prm(fine, base, fgr, pha, hid)[1], expected_pha)


def test_training_losses_come_from_the_aux_outputs() -> None:
    from videomatte.training.variant_losses import variant_losses

    prm = PatchRefiner().train()
    fine, base, fgr, pha, hid = _inputs()
    aux: dict = {}
    _, out_pha = prm(fine, base, fgr, pha, hid, aux)
    true_pha = torch.rand(1, 2, 1, 37, 53)
    losses = variant_losses(aux, None, out_pha, None, true_pha, None)
    assert set(losses) == {"prm_alpha_hr", "prm_flaw"} and all(v.ndim == 0 for v in losses.values())
    assert losses["prm_alpha_hr"] >= (out_pha - true_pha[0]).abs().mean() - 1e-6  # Charbonnier >= L1
    losses["prm_alpha_hr"].backward()
    assert prm.patch_net[0].weight.grad is not None
