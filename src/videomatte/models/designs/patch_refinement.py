"""MODNet-V's Patch Refinement Module (seed 003), as a refiner of the RVM network (``refiner="prm"``).

The network's low-resolution prediction is the coarse matte. PRM upsamples it to the input size,
divides the image into a ``k x k`` grid of patches (``k = 16`` up to 4K, ``32`` above), predicts a
``k x k`` flaw map from the coarse alpha with an adaptive pooling layer and two convolutions, and
refines only the patches whose flaw exceeds ``xi = 0.01``. Every other pixel keeps the bilinearly
upsampled coarse prediction.

Patches are ``ceil(H / k) x ceil(W / k)`` pixels; the grid is padded at the bottom and right (so in a
tiny image of fewer than about ``k^2`` rows the last grid rows lie wholly in the padding and refining
them changes nothing). Refinement runs three unpadded convolutions on a patch plus a 2-pixel margin of context and writes back
only the patch itself. While training (and recording gradients) every patch is refined, so that the
patch network sees every kind of patch; the flaw head is trained to predict each patch's mean alpha
error (the selection itself is a hard threshold and passes no gradient).
"""
from __future__ import annotations

import math
from typing import Dict, Optional

import torch
from torch import Tensor, nn
from torch.nn import functional as F

FLAW_THRESHOLD = 0.01
MARGIN = 2


def grid_size(height: int, width: int) -> int:
    """Patches per side: 16 for images up to 4K (longer side <= 4096), 32 above."""
    return 16 if max(height, width) <= 4096 else 32


class PatchRefiner(nn.Module):
    """Patch refinement with the refiner interface of ``refiners.py``.

    Args:
        hid_ch: accepted for interface compatibility; PRM does not use the decoder's hidden map.
        threshold: ``xi``; patches with a flaw probability above it are refined.
        mid_ch: width of the patch network.
    """

    def __init__(self, hid_ch: int = 16, threshold: float = FLAW_THRESHOLD, mid_ch: int = 24) -> None:
        super().__init__()
        self.threshold = threshold
        self.margin = MARGIN
        self.flaw_head = nn.Sequential(
            nn.Conv2d(2, 16, 3, padding=1), nn.ReLU(True), nn.Conv2d(16, 1, 3, padding=1), nn.Sigmoid()
        )
        self.patch_net = nn.Sequential(
            nn.Conv2d(7, mid_ch, 3), nn.ReLU(True),
            nn.Conv2d(mid_ch, mid_ch, 3), nn.ReLU(True),
            nn.Conv2d(mid_ch, 4, 1),
        )

    def flaw_map(self, coarse_pha: Tensor, k: int) -> Tensor:
        """``[N, 1, H, W]`` upsampled coarse alpha -> flaw probabilities ``[N, 1, k, k]`` of the patches."""
        ph, pw = math.ceil(coarse_pha.shape[-2] / k), math.ceil(coarse_pha.shape[-1] / k)
        padded = pad_to_grid(coarse_pha, k, ph, pw, 0)
        stats = torch.cat([padded, padded * (1 - padded)], dim=1)
        return self.flaw_head(F.avg_pool2d(stats, (ph, pw)))  # the adaptive pooling to k x k, exactly

    def refine(self, fine_src: Tensor, coarse_fgr: Tensor, coarse_pha: Tensor, selected: Tensor) -> tuple[Tensor, Tensor]:
        """Refine the patches flagged in ``selected`` and keep the coarse values everywhere else.

        Args:
            fine_src: ``[N, 3, H, W]`` image.
            coarse_fgr, coarse_pha: upsampled coarse residual ``[N, 3, H, W]`` and alpha ``[N, 1, H, W]``.
            selected: ``[N, k, k]`` bool, the patches to refine.

        Returns:
            ``(fgr_residual [N, 3, H, W], pha [N, 1, H, W])``.
        """
        n, _, height, width = fine_src.shape
        k = selected.shape[-1]
        ph, pw = math.ceil(height / k), math.ceil(width / k)
        coarse = torch.cat([coarse_fgr, coarse_pha], dim=1)
        grid = pad_to_grid(coarse, k, ph, pw, 0).unflatten(2, (k, ph)).unflatten(4, (k, pw)).permute(0, 2, 4, 1, 3, 5)
        where = torch.nonzero(selected)
        if where.shape[0] > 0 or torch.jit.is_tracing():  # a traced graph must hold the refinement
            b, i, j = where[:, 0], where[:, 1], where[:, 2]
            m = self.margin
            context = pad_to_grid(torch.cat([fine_src, coarse], dim=1), k, ph, pw, m)
            windows = F.unfold(context, (ph + 2 * m, pw + 2 * m), stride=(ph, pw))  # [N, 7 * ., k * k]
            windows = windows.unflatten(1, (7, ph + 2 * m, pw + 2 * m)).unflatten(4, (k, k))
            patches = windows.permute(0, 4, 5, 1, 2, 3)[b, i, j]  # [S, 7, ph + 2m, pw + 2m]
            grid = grid.index_put([b, i, j], grid[b, i, j] + self.patch_net(patches))
        out = grid.permute(0, 3, 1, 4, 2, 5).reshape(n, 4, k * ph, k * pw)[:, :, :height, :width]
        fgr, pha = out.split([3, 1], dim=1)
        return fgr, pha

    def forward(self, fine_src: Tensor, base_src: Tensor, base_fgr: Tensor, base_pha: Tensor,
                base_hid: Tensor, aux: Optional[Dict[str, Tensor]] = None) -> tuple[Tensor, Tensor]:
        """Low-resolution residual ``[N, 3, h, w]`` and alpha ``[N, 1, h, w]`` -> the same at ``fine_src``'s
        size; ``aux`` receives the training outputs of the module docstring."""
        size = (fine_src.shape[-2], fine_src.shape[-1])
        coarse_fgr = F.interpolate(base_fgr, size=size, mode="bilinear", align_corners=False)
        coarse_pha = F.interpolate(base_pha, size=size, mode="bilinear", align_corners=False)
        k = grid_size(size[0], size[1])
        flaw = self.flaw_map(coarse_pha.clamp(0, 1), k)[:, 0]
        everything = self.training and torch.is_grad_enabled()
        selected = torch.ones_like(flaw, dtype=torch.bool) if everything else flaw > self.threshold
        fgr, pha = self.refine(fine_src, coarse_fgr, coarse_pha, selected)
        if aux is not None:
            aux["prm_coarse_pha"], aux["prm_flaw"], aux["prm_pha"] = coarse_pha, flaw, pha
        return fgr, pha


def pad_to_grid(x: Tensor, k: int, ph: int, pw: int, margin: int) -> Tensor:
    """Replicate-pad ``[N, C, H, W]`` to ``k*ph x k*pw`` plus ``margin`` on every side."""
    bottom = k * ph - x.shape[-2] + margin
    right = k * pw - x.shape[-1] + margin
    return F.pad(x, (margin, right, margin, bottom), mode="replicate")
