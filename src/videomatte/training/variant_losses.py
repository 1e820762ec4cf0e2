"""Losses of the seed variants, computed from the auxiliary outputs the network returns.

A training forward passes a dict as ``aux=`` (``MattingNetwork.forward``); the seed options fill it with
what their own losses need, and ``variant_losses(aux, ...)`` turns it into named terms that the trainer
adds to the matting loss. A plain RVM network leaves it empty, and the terms are ``{}``.

=================  =====================================  ===========================================
aux keys           from                                   terms
=================  =====================================  ===========================================
``brm_*``          BRM, background and mask per frame     ``brm_background`` (L_bg)
``prm_*``          PRM, coarse alpha, flaw map, output    ``prm_alpha_hr`` (L_aH), ``prm_flaw``
``error_map``    seed 004, predicted error map          ``error_map_pha_sobel``, ``error_map_l1``
=================  =====================================  ===========================================
"""
from __future__ import annotations

import math

import torch
from torch import Tensor
from torch.nn import functional as F

CHARBONNIER_EPS = 1e-3


def variant_losses(aux: dict[str, Tensor], pred_fgr: Tensor, pred_pha: Tensor, true_fgr: Tensor,
                   true_pha: Tensor, true_bgr: Tensor | None) -> dict[str, Tensor]:
    """The extra loss terms of the seed options present in ``aux``.

    Args:
        aux: what the training forward put in its ``aux`` dict.
        pred_fgr, true_fgr: ``[B, T, 3, H, W]`` (or ``[N, 3, H, W]``) predicted and true foreground.
        pred_pha, true_pha: ``[B, T, 1, H, W]`` (or ``[N, 1, H, W]``) predicted and true alpha.
        true_bgr: the true background, like ``true_fgr`` (needed by BRM only).

    Returns:
        Named scalar terms, to be added to the matting loss (empty for the official architectures).
    """
    terms: dict[str, Tensor] = {}
    if "brm_background" in aux and true_bgr is not None:
        terms["brm_background"] = brm_background_loss(aux["brm_background"], aux["brm_mask"], true_bgr)
    if "prm_flaw" in aux:
        terms.update(prm_losses(aux["prm_coarse_pha"], aux["prm_flaw"], aux["prm_pha"], true_pha))
    if "error_map" in aux:
        seed = error_map_loss(pred_fgr, pred_pha, aux["error_map"], true_fgr, true_pha)
        terms.update({"error_map_pha_sobel": seed["pha_sobel"], "error_map_l1": seed["err_l1"]})
    return terms


def brm_background_loss(backgrounds: Tensor, masks: Tensor, true_bgr: Tensor) -> Tensor:
    """L_bg: Charbonnier between BRM's ``bg_p`` ``[N, 3, h, w]`` and the true background (area-resized to
    that size), over the pixels restored so far (``masks`` ``[N, 1, h, w]``), averaged over frames."""
    true_bgr = true_bgr.flatten(0, 1) if true_bgr.ndim == 5 else true_bgr
    target = F.adaptive_avg_pool2d(true_bgr, backgrounds.shape[-2:])
    return charbonnier(backgrounds, target, mask=masks)


def prm_losses(coarse_pha: Tensor, flaw: Tensor, pha: Tensor, true_pha: Tensor) -> dict[str, Tensor]:
    """``prm_alpha_hr`` = L_aH (Charbonnier between the refined ``pha`` and the true full-resolution alpha)
    and ``prm_flaw`` (MSE between the flaw map ``[N, k, k]`` and each patch's mean coarse-alpha error)."""
    from videomatte.models.designs.patch_refinement import pad_to_grid

    true_pha = true_pha.flatten(0, 1) if true_pha.ndim == 5 else true_pha
    k = flaw.shape[-1]
    ph, pw = math.ceil(true_pha.shape[-2] / k), math.ceil(true_pha.shape[-1] / k)
    error = (coarse_pha.detach().clamp(0, 1) - true_pha).abs()
    target = F.avg_pool2d(pad_to_grid(error, k, ph, pw, 0), (ph, pw))[:, 0]
    return {"prm_alpha_hr": charbonnier(pha, true_pha), "prm_flaw": F.mse_loss(flaw, target)}


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


def error_map_loss(pred_fgr: Tensor, pred_pha: Tensor, pred_err: Tensor, true_fgr: Tensor,
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
