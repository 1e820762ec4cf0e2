"""Seed 004's network (ResNet-50 + ASPP + ConvLSTM decoder) and its losses."""
from __future__ import annotations

import pytest
import torch

from videomatte.models.designs.deeplab_convlstm import ConvLSTMMattingNetwork
from videomatte.training.variant_losses import error_map_loss, sobel


@pytest.fixture(scope="module")
def net() -> ConvLSTMMattingNetwork:
    torch.manual_seed(0)
    return ConvLSTMMattingNetwork().eval()


def test_outputs_alpha_foreground_and_error_map(net: ConvLSTMMattingNetwork) -> None:
    src = torch.rand(1, 2, 3, 37, 53)
    with torch.no_grad():
        fgr, pha, err, r1, r2, r3, r4 = net.forward_with_error(src)
        plain = net(src)
    assert fgr.shape == (1, 2, 3, 37, 53) and pha.shape == err.shape == (1, 2, 1, 37, 53)
    assert 0 <= float(err.min()) and float(err.max()) <= 1
    assert [tuple(r.shape) for r in (r1, r2, r3, r4)] == [(1, 96, 19, 27), (1, 128, 10, 14), (1, 256, 5, 7), (1, 1, 1, 1)]
    torch.testing.assert_close(plain[1], pha)


def test_decoder_has_three_convlstms_with_the_seed_channels(net: ConvLSTMMattingNetwork) -> None:
    assert [net.decode3.conv[0].in_channels, net.decode2.conv[0].in_channels, net.decode1.conv[0].in_channels,
            net.decode0.in_channels, net.decode0.out_channels] == [768, 384, 128, 51, 37]
    assert [b.lstm.channels for b in (net.decode3, net.decode2, net.decode1)] == [128, 64, 48]


def test_downsampled_run_refines_to_full_size(net: ConvLSTMMattingNetwork) -> None:
    with torch.no_grad():
        fgr, pha, err, *rec = net.forward_with_error(torch.rand(2, 3, 61, 45), downsample_ratio=0.5)
        seg, *_ = net(torch.rand(2, 3, 61, 45), segmentation_pass=True)
    assert fgr.shape == (2, 3, 61, 45) and err.shape == (2, 1, 61, 45) and rec[0].shape == (2, 96, 15, 11)
    assert seg.shape == (2, 1, 61, 45)


def test_sobel_of_a_ramp() -> None:
    ramp = torch.arange(6.0).expand(1, 1, 5, 6)
    grad = sobel(ramp)
    assert torch.all(grad[0, 0, :, 1:-1] == 8.0) and torch.all(grad[0, 1] == 0.0)


def test_error_map_loss_terms() -> None:
    true_pha = torch.rand(1, 2, 1, 16, 16)
    true_fgr = torch.rand(1, 2, 3, 16, 16)
    perfect = error_map_loss(true_fgr, true_pha, torch.zeros_like(true_pha), true_fgr, true_pha)
    assert float(perfect["total"]) == 0.0
    pred_pha = (true_pha + 0.1).clamp(0, 1)
    terms = error_map_loss(true_fgr, pred_pha, torch.zeros_like(true_pha), true_fgr, true_pha)
    torch.testing.assert_close(terms["err_l1"], (pred_pha - true_pha).abs().mean())
    torch.testing.assert_close(terms["pha_l1"], (pred_pha - true_pha).abs().mean())
    assert float(terms["fgr_l1"]) == 0.0 and float(terms["pha_sobel"]) > 0
