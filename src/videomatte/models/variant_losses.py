"""Losses of the seed variants, and the one hook a generic trainer calls to get them.

A module that needs a loss beyond the trainer's matting loss records what it needs during a training
forward and implements ``auxiliary_losses(true_fgr, true_pha, true_bgr) -> dict[str, Tensor]``;
``variant_losses(model, ...)`` gathers them from every submodule. A plain RVM model returns ``{}``.
"""
from __future__ import annotations

import torch
from torch import Tensor, nn
from torch.nn import functional as F

CHARBONNIER_EPS = 1e-3


def variant_losses(model: nn.Module, true_fgr: Tensor, true_pha: Tensor, true_bgr: Tensor) -> dict[str, Tensor]:
    """The extra loss terms of the last training forward of ``model`` (DDP-wrapped or not).

    Args:
        model: the network that just ran forward in training mode.
        true_fgr, true_bgr: ``[B, T, 3, H, W]`` (or ``[N, 3, H, W]``) ground-truth foreground and background.
        true_pha: ``[B, T, 1, H, W]`` (or ``[N, 1, H, W]``) ground-truth alpha, same size as the prediction.

    Returns:
        Named scalar terms, to be added to the matting loss (empty for the official architectures).
    """
    terms: dict[str, Tensor] = {}
    for module in model.modules():
        method = getattr(module, "auxiliary_losses", None)
        if callable(method):
            terms.update(method(true_fgr, true_pha, true_bgr))
    return terms


def charbonnier(pred: Tensor, true: Tensor, gamma: float = 1.0, eps: float = CHARBONNIER_EPS,
                mask: Tensor | None = None) -> Tensor:
    """MODNet-V's ``gamma * sqrt((pred - true)^2 + eps^2)``, averaged (over ``mask`` when given)."""
    value = gamma * torch.sqrt((pred - true) ** 2 + eps * eps)
    if mask is None:
        return value.mean()
    mask = mask.expand_as(value)
    return (value * mask).sum() / mask.sum().clamp(min=1.0)


def sobel(x: Tensor) -> Tensor:
    """Sobel gradients of ``[N, C, H, W]`` -> ``[N, 2C, H, W]`` (x and y per channel, replicate border)."""
    kx = torch.tensor([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]], device=x.device, dtype=x.dtype)
    kernel = torch.stack([kx, kx.t()])[:, None].repeat(x.shape[1], 1, 1, 1)
    return F.conv2d(F.pad(x, (1, 1, 1, 1), mode="replicate"), kernel, groups=x.shape[1])


def seed004_loss(pred_fgr: Tensor, pred_pha: Tensor, pred_err: Tensor, true_fgr: Tensor,
                 true_pha: Tensor) -> dict[str, Tensor]:
    """Seed 004's ``L_G`` (eq. 4-7), averaged over frames and pixels.

    ``L_alpha = |a - a*| + |sobel(a) - sobel(a*)|``; ``L_f = |a* f' - a* f*|``;
    ``L_e = |e' - e*|`` with ``e* = |a' - a*|`` (detached; the seed writes L1 in eq. 6).

    Args:
        pred_fgr, true_fgr: ``[..., 3, H, W]``; pred_pha, true_pha, pred_err: ``[..., 1, H, W]``.
    """
    flat = [t.flatten(0, 1) if t.ndim == 5 else t for t in (pred_fgr, pred_pha, pred_err, true_fgr, true_pha)]
    pred_fgr, pred_pha, pred_err, true_fgr, true_pha = flat
    terms = {
        "pha_l1": F.l1_loss(pred_pha, true_pha),
        "pha_sobel": F.l1_loss(sobel(pred_pha), sobel(true_pha)),
        "fgr_l1": F.l1_loss(true_pha * pred_fgr, true_pha * true_fgr),
        "err_l1": F.l1_loss(pred_err, (pred_pha - true_pha).abs().detach()),
    }
    terms["total"] = sum(terms.values())
    return terms
