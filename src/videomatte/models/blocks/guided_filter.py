"""The guided-filter refiners that lift the low-resolution prediction back to the input resolution.

Both take the full-resolution image ``fine_src [N, 3, H, W]``, the downsampled image ``base_src
[N, 3, h, w]``, the low-resolution foreground residual ``[N, 3, h, w]``, alpha ``[N, 1, h, w]`` and the
decoder's hidden map ``[N, 16, h, w]``, and return the full-resolution residual and alpha.
"""
from __future__ import annotations

from typing import Dict, Optional

import torch
from torch import Tensor, nn
from torch.nn import functional as F


def _with_gray(rgb: Tensor) -> Tensor:
    return torch.cat([rgb, rgb.mean(dim=1, keepdim=True)], dim=1)


def _resize(x: Tensor, like: Tensor) -> Tensor:
    return F.interpolate(x, size=(like.shape[-2], like.shape[-1]), mode="bilinear", align_corners=False)


def apply_coefficients(A: Tensor, b: Tensor, fine_src: Tensor) -> tuple[Tensor, Tensor]:
    """Upsample ``A``, ``b`` ``[N, 4, h, w]`` to ``fine_src`` ``[N, 3, H, W]`` and apply them to
    ``[rgb, gray]``; returns the full-resolution foreground residual ``[N, 3, H, W]`` and alpha ``[N, 1, H, W]``."""
    fine_x = _with_gray(fine_src)
    out = _resize(A, fine_x) * fine_x + _resize(b, fine_x)
    fgr, pha = out.split([3, 1], dim=1)
    return fgr, pha


class GuidedFilterRefiner(nn.Module):
    """Base of the guided-filter refiners: a low-resolution linear model ``y = A * [rgb, gray] + b`` fitted
    in 3x3 windows from box-filtered statistics, upsampled and applied to the full-resolution image.

    Subclasses define ``box(x [N, 4, h, w])``, the window mean, and ``solve(cov_xy, var_x, base_hid)``,
    which gives ``A [N, 4, h, w]`` from the window statistics (and the decoder's hidden map).
    """

    def forward(self, fine_src: Tensor, base_src: Tensor, base_fgr: Tensor, base_pha: Tensor,
                base_hid: Tensor, aux: Optional[Dict[str, Tensor]] = None) -> tuple[Tensor, Tensor]:
        """The full-resolution foreground residual and alpha; ``aux`` (the refiners' common signature)
        receives nothing: a guided filter has no loss of its own."""
        A, b = self.coefficients(base_src, base_fgr, base_pha, base_hid)
        return apply_coefficients(A, b, fine_src)

    def coefficients(self, base_src: Tensor, base_fgr: Tensor, base_pha: Tensor, base_hid: Tensor
                     ) -> tuple[Tensor, Tensor]:
        """The low-resolution linear model: ``A`` and ``b`` ``[N, 4, h, w]``."""
        base_x = _with_gray(base_src)
        base_y = torch.cat([base_fgr, base_pha], dim=1)
        mean_x = self.box(base_x)
        mean_y = self.box(base_y)
        cov_xy = self.box(base_x * base_y) - mean_x * mean_y
        var_x = self.box(base_x * base_x) - mean_x * mean_x
        A = self.solve(cov_xy, var_x, base_hid)
        return A, mean_y - A * mean_x


class DeepGuidedFilterRefiner(GuidedFilterRefiner):
    """Guided filter whose coefficients ``A`` come from a small 1x1 network, with a learned box filter."""

    def __init__(self, hid_ch: int = 16) -> None:
        super().__init__()
        self.box_filter = nn.Conv2d(4, 4, 3, padding=1, bias=False, groups=4)
        self.box_filter.weight.data.fill_(1 / 9)
        self.conv = nn.Sequential(
            nn.Conv2d(4 * 2 + hid_ch, hid_ch, 1, bias=False),
            nn.BatchNorm2d(hid_ch),
            nn.ReLU(True),
            nn.Conv2d(hid_ch, hid_ch, 1, bias=False),
            nn.BatchNorm2d(hid_ch),
            nn.ReLU(True),
            nn.Conv2d(hid_ch, 4, 1, bias=True),
        )

    def box(self, x: Tensor) -> Tensor:
        return self.box_filter(x)

    def solve(self, cov_xy: Tensor, var_x: Tensor, base_hid: Tensor) -> Tensor:
        return self.conv(torch.cat([cov_xy, var_x, base_hid], dim=1))


class FastGuidedFilterRefiner(GuidedFilterRefiner):
    """Classic fast guided filter (radius 1, eps 1e-5): no learned parameters, ignores the hidden map."""

    def __init__(self, hid_ch: int = 16, radius: int = 1, eps: float = 1e-5) -> None:
        super().__init__()
        self.radius = radius
        self.eps = eps

    def box(self, x: Tensor) -> Tensor:
        size = 2 * self.radius + 1
        return F.avg_pool2d(x, size, stride=1, padding=self.radius, count_include_pad=False)

    def solve(self, cov_xy: Tensor, var_x: Tensor, base_hid: Tensor) -> Tensor:
        return cov_xy / (var_x + self.eps)
