"""Matting and segmentation losses of the reference (rvm-facts §1.7, paper eq. 3-9).

All tensors are float. Time-series inputs are ``[B, T, C, H, W]``; alpha has ``C = 1`` and values in
[0, 1], foregrounds ``C = 3`` in [0, 1]. Every mean is taken over all elements, as in the reference.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

COHERENCE_WEIGHT = 5.0
LAPLACIAN_LEVELS = 5


def matting_loss(
    pred_fgr: torch.Tensor, pred_pha: torch.Tensor, true_fgr: torch.Tensor, true_pha: torch.Tensor
) -> dict[str, torch.Tensor]:
    """The reference's matting loss and its five terms.

    Arguments:
        pred_fgr, true_fgr (Tensor): ``[B, T, 3, H, W]`` foregrounds in [0, 1].
        pred_pha, true_pha (Tensor): ``[B, T, 1, H, W]`` alphas in [0, 1].

    Returns:
        (dict): scalar tensors ``pha_l1``, ``pha_laplacian``, ``pha_coherence``, ``fgr_l1``,
        ``fgr_coherence`` and their sum ``total``. The foreground terms only see pixels where the
        true alpha is above 0 (both foregrounds are zeroed elsewhere; the mean still runs over all).
    """
    losses = {
        "pha_l1": F.l1_loss(pred_pha, true_pha),
        "pha_laplacian": laplacian_loss(pred_pha.flatten(0, 1), true_pha.flatten(0, 1)),
        "pha_coherence": coherence_loss(pred_pha, true_pha),
    }
    mask = (true_pha > 0).to(pred_fgr.dtype)
    pred_fgr = pred_fgr * mask
    true_fgr = true_fgr * mask
    losses["fgr_l1"] = F.l1_loss(pred_fgr, true_fgr)
    losses["fgr_coherence"] = coherence_loss(pred_fgr, true_fgr)
    losses["total"] = sum(losses.values())
    return losses


def segmentation_loss(pred_seg: torch.Tensor, true_seg: torch.Tensor) -> torch.Tensor:
    """Binary cross-entropy of the segmentation head.

    Arguments:
        pred_seg (Tensor): raw logits, any shape (``[B, T, 1, H, W]`` from the network).
        true_seg (Tensor): the person mask, same shape, values in [0, 1].
    """
    return F.binary_cross_entropy_with_logits(pred_seg, true_seg)


def coherence_loss(pred: torch.Tensor, true: torch.Tensor) -> torch.Tensor:
    """Temporal coherence: ``5 * MSE(pred[:, 1:] - pred[:, :-1], true[:, 1:] - true[:, :-1])``.

    Arguments:
        pred, true (Tensor): ``[B, T, C, H, W]``. With ``T == 1`` there is no motion and the loss is 0.
    """
    if pred.shape[1] < 2:
        return pred.new_zeros(())
    return F.mse_loss(pred[:, 1:] - pred[:, :-1], true[:, 1:] - true[:, :-1]) * COHERENCE_WEIGHT


def laplacian_loss(pred: torch.Tensor, true: torch.Tensor, levels: int = LAPLACIAN_LEVELS) -> torch.Tensor:
    """``sum_l 2**l * L1(pyramid(pred)[l], pyramid(true)[l]) / levels``.

    Arguments:
        pred, true (Tensor): ``[N, C, H, W]``; the smallest level must stay larger than 2 pixels,
            so H and W need at least ``2**(levels - 1) * 4`` (64 for 5 levels).
    """
    kernel = _gauss_kernel(pred.shape[1], pred.device, pred.dtype)
    pred_pyramid = laplacian_pyramid(pred, kernel, levels)
    true_pyramid = laplacian_pyramid(true, kernel, levels)
    loss = pred.new_zeros(())
    for level, (p, t) in enumerate(zip(pred_pyramid, true_pyramid)):
        loss = loss + (2**level) * F.l1_loss(p, t)
    return loss / levels


def laplacian_pyramid(image: torch.Tensor, kernel: torch.Tensor, levels: int) -> list[torch.Tensor]:
    """The band-pass levels (no low-pass residual) of a Laplacian pyramid.

    Each level crops the current image to an even size, blurs and decimates it, upsamples that back
    by zero insertion (times 4) and blurring, and keeps the difference.
    """
    current = image
    pyramid = []
    for _ in range(levels):
        height, width = current.shape[-2] // 2 * 2, current.shape[-1] // 2 * 2
        current = current[..., :height, :width]
        down = _gauss_blur(current, kernel)[..., ::2, ::2]
        up = current.new_zeros(current.shape)
        up[..., ::2, ::2] = down * 4
        pyramid.append(current - _gauss_blur(up, kernel))
        current = down
    return pyramid


def _gauss_kernel(channels: int, device: torch.device, dtype: torch.dtype) -> torch.Tensor:
    taps = torch.tensor([1.0, 4.0, 6.0, 4.0, 1.0], device=device, dtype=dtype)
    kernel = torch.outer(taps, taps) / 256
    return kernel.expand(channels, 1, 5, 5).contiguous()


def _gauss_blur(image: torch.Tensor, kernel: torch.Tensor) -> torch.Tensor:
    padded = F.pad(image, (2, 2, 2, 2), mode="reflect")
    return F.conv2d(padded, kernel, groups=image.shape[1])
