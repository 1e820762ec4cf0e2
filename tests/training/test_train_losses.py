"""Each loss against values worked out by hand."""
from __future__ import annotations

import math

import pytest
import torch

from videomatte.training.losses import coherence_loss, laplacian_loss, matting_loss, segmentation_loss


def test_laplacian_of_a_constant_offset_is_zero() -> None:
    # The pyramid keeps only band-pass levels, and blurring a constant (reflect padding) returns it.
    pred, true = torch.full((1, 1, 64, 64), 0.7), torch.full((1, 1, 64, 64), 0.2)
    assert float(laplacian_loss(pred, true)) == pytest.approx(0.0, abs=1e-6)


def test_laplacian_of_a_nyquist_pattern_lands_in_level_zero() -> None:
    # d = 0.25 * (-1)^x: the [1,4,6,4,1]/16 filter gives (1-4+6-4+1)/16 = 0 at the Nyquist frequency
    # (reflect padding keeps the alternation), so level 0 is d itself and levels 1..4 are 0:
    # loss = 2^0 * mean|d| / 5 = 0.25 / 5 = 0.05.
    x = torch.arange(64)
    pattern = (0.25 * (-1.0) ** x).expand(1, 1, 64, 64)
    pred, true = 0.5 + pattern, torch.full((1, 1, 64, 64), 0.5)
    assert float(laplacian_loss(pred, true)) == pytest.approx(0.05, abs=1e-6)


def test_coherence_by_hand() -> None:
    # pred changes by +0.3 between the frames, the truth by +0.1: 5 * (0.3 - 0.1)^2 = 0.2.
    pred = torch.tensor([0.2, 0.5]).view(1, 2, 1, 1, 1).expand(1, 2, 1, 2, 2)
    true = torch.tensor([0.4, 0.5]).view(1, 2, 1, 1, 1).expand(1, 2, 1, 2, 2)
    assert float(coherence_loss(pred, true)) == pytest.approx(0.2)
    assert float(coherence_loss(pred[:, :1], true[:, :1])) == 0.0


def test_segmentation_bce_by_hand() -> None:
    logits = torch.tensor([0.0, 0.0, math.log(3.0)])
    target = torch.tensor([1.0, 0.0, 1.0])
    # -ln(0.5), -ln(0.5), -ln(3/4)
    expected = (2 * math.log(2.0) + math.log(4 / 3)) / 3
    assert float(segmentation_loss(logits, target)) == pytest.approx(expected, rel=1e-6)


def test_matting_loss_terms_by_hand() -> None:
    # 2 frames of 64x64. True alpha: left half 1, right half 0, static. Predicted alpha: 0.1 higher
    # everywhere in frame 0 and exact in frame 1. Foregrounds: truth 0.5, prediction 0.6 everywhere.
    true_pha = torch.zeros(1, 2, 1, 64, 64)
    true_pha[..., :32] = 1
    pred_pha = true_pha.clone()
    pred_pha[:, 0] += 0.1
    true_fgr, pred_fgr = torch.full((1, 2, 3, 64, 64), 0.5), torch.full((1, 2, 3, 64, 64), 0.6)
    losses = matting_loss(pred_fgr, pred_pha, true_fgr, true_pha)
    assert float(losses["pha_l1"]) == pytest.approx(0.05)  # 0.1 on half the frames
    assert float(losses["pha_laplacian"]) == pytest.approx(0.0, abs=1e-6)  # a constant offset per frame
    assert float(losses["pha_coherence"]) == pytest.approx(5 * 0.01)  # the 0.1 step, squared, times 5
    assert float(losses["fgr_l1"]) == pytest.approx(0.05)  # 0.1 on the half where alpha > 0
    assert float(losses["fgr_coherence"]) == pytest.approx(0.0)
    parts = sum(float(v) for k, v in losses.items() if k != "total")
    assert float(losses["total"]) == pytest.approx(parts)


def test_matting_loss_gradients_reach_predictions() -> None:
    pred_pha = torch.rand(1, 2, 1, 64, 64, requires_grad=True)
    pred_fgr = torch.rand(1, 2, 3, 64, 64, requires_grad=True)
    losses = matting_loss(pred_fgr, pred_pha, torch.rand(1, 2, 3, 64, 64), torch.rand(1, 2, 1, 64, 64))
    losses["total"].backward()
    assert pred_pha.grad is not None and pred_pha.grad.abs().sum() > 0
    assert pred_fgr.grad is not None and pred_fgr.grad.abs().sum() > 0
