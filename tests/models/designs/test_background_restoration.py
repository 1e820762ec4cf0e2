"""MODNet-V's background restoration module: accumulation, monotone mask, state packing, L_bg."""
from __future__ import annotations

import torch

from videomatte.models.designs.background_restoration import BG_CHANNELS, BackgroundRestoration
from videomatte.models.registry import build_network


def test_mask_grows_as_a_person_uncovers_a_static_background() -> None:
    brm = BackgroundRestoration(feat_ch=8, bg_ch=4)
    bg_feat, bg_mask = torch.zeros(1, 4, 6, 10), torch.zeros(1, 1, 6, 10)
    embedding = torch.rand(1, 4, 6, 10)  # static scene: the same background feature every frame
    seen = torch.zeros(1, 1, 6, 10, dtype=torch.bool)
    for t in range(5):
        seg = torch.zeros(1, 1, 6, 10)
        seg[..., 2 * t : 2 * t + 4] = 1.0  # a person 4 columns wide walking right
        previous = bg_mask.clone()
        bg_feat, bg_mask = brm.update(bg_feat, bg_mask, embedding, seg)
        seen |= seg < brm.threshold
        assert torch.all(bg_mask >= previous), "the mask must never shrink"
        assert set(bg_mask.unique().tolist()) <= {0.0, 1.0}
        assert torch.equal(bg_mask.bool(), seen), "the mask is the union of the background seen so far"
        torch.testing.assert_close(bg_feat, embedding * bg_mask)  # restored pixels hold bgI = (1 - s) e
    assert bg_mask.sum() == 60  # every column was uncovered at some point


def test_restored_background_is_kept_when_covered_again() -> None:
    brm = BackgroundRestoration(feat_ch=8, bg_ch=4)
    first = torch.rand(1, 4, 3, 3)
    bg_feat, bg_mask = brm.update(torch.zeros(1, 4, 3, 3), torch.zeros(1, 1, 3, 3), first, torch.zeros(1, 1, 3, 3))
    bg_feat, bg_mask = brm.update(bg_feat, bg_mask, torch.rand(1, 4, 3, 3), torch.ones(1, 1, 3, 3))
    torch.testing.assert_close(bg_feat, first)
    assert torch.all(bg_mask == 1)


def test_network_mask_is_monotone_and_chunks_match_single_frames() -> None:
    torch.manual_seed(0)
    net = build_network("mobilenetv3_brm").eval()
    torch.nn.init.zeros_(net.project_mat.conv.weight)
    torch.nn.init.constant_(net.project_mat.conv.bias, 0.0)
    net.project_mat.conv.bias.data[3] = 0.02  # coarse alpha 0.02 < tau: every pixel shows background
    src = torch.rand(1, 1, 3, 45, 61).expand(1, 4, 3, 45, 61).contiguous()  # a static scene
    with torch.no_grad():
        fgr, pha, *chunk_rec = net(src)
        rec, masks = [None] * 4, []
        for t in range(4):
            f, p, *rec = net(src[:, t], *rec)
            masks.append(rec[1][:, -1:])
            torch.testing.assert_close(p, pha[:, t], rtol=1e-4, atol=1e-5)
    for a, b in zip(rec, chunk_rec):
        torch.testing.assert_close(a, b, rtol=1e-4, atol=1e-5)
    assert chunk_rec[1].shape[1] == 20 + BG_CHANNELS + 1
    assert all(torch.all(later >= earlier) for earlier, later in zip(masks, masks[1:]))
    assert masks[0].sum() > 0


def test_background_loss_trains_the_background_head() -> None:
    from videomatte.training.variant_losses import variant_losses

    torch.manual_seed(0)
    net = build_network("mobilenetv3_brm").train()
    src = torch.rand(2, 3, 3, 40, 40)
    aux: dict = {}
    fgr, pha, *_ = net(src, aux=aux)
    assert aux["brm_background"].shape == (6, 3, 10, 10) and aux["brm_mask"].shape == (6, 1, 10, 10)
    losses = variant_losses(aux, fgr, pha, None, None, torch.rand(2, 3, 3, 40, 40))
    assert set(losses) == {"brm_background"}
    losses["brm_background"].backward()
    assert net.brm.to_rgb.weight.grad is not None and net.brm.embed[0].weight.grad is not None
