"""Building blocks shared by the encoders, the decoder and the refiners.

Module attribute names here are part of the state_dict layout of the original network and must not change.
"""
from __future__ import annotations

from typing import Optional

from torch import Tensor, nn
from torch.nn import functional as F


def conv_bn_act(
    in_ch: int,
    out_ch: int,
    kernel: int = 1,
    stride: int = 1,
    groups: int = 1,
    dilation: int = 1,
    act: Optional[type[nn.Module]] = nn.ReLU,
    bn_eps: float = 1e-5,
    bn_momentum: float = 0.1,
) -> nn.Sequential:
    """Conv (no bias) + BatchNorm + activation as a ``Sequential`` with keys ``0`` (conv) and ``1`` (bn).

    ``act=None`` gives conv + bn only (a linear projection).
    """
    padding = (kernel - 1) // 2 * dilation
    layers: list[nn.Module] = [
        nn.Conv2d(in_ch, out_ch, kernel, stride, padding, dilation=dilation, groups=groups, bias=False),
        nn.BatchNorm2d(out_ch, eps=bn_eps, momentum=bn_momentum),
    ]
    if act is not None:
        layers.append(act())
    return nn.Sequential(*layers)


def downsample(x: Tensor, ratio: float) -> Tensor:
    """Bilinearly rescale ``[N, C, H, W]`` by ``ratio``; the result is ``floor(H*ratio) x floor(W*ratio)``."""
    return F.interpolate(x, scale_factor=ratio, mode="bilinear", align_corners=False, recompute_scale_factor=False)


def restore_time(x: Tensor, like: Tensor) -> Tensor:
    """Undo the time flattening of a network's output: ``[B*T, ...]`` -> ``[B, T, ...]`` when the input
    ``like`` is 5-D ``[B, T, C, H, W]``; 4-D inputs leave ``x`` as it is."""
    return x.unflatten(0, (like.shape[0], like.shape[1])) if like.dim() == 5 else x


def upsample2x_to(x: Tensor, like: Tensor) -> Tensor:
    """Bilinearly upsample ``x`` by 2 and crop it to the spatial size of ``like`` (odd sizes round up)."""
    x = F.interpolate(x, scale_factor=2.0, mode="bilinear", align_corners=False)
    return x[:, :, : like.shape[-2], : like.shape[-1]]


class LRASPP(nn.Module):
    """Lite R-ASPP head: ``aspp1(x) * aspp2(x)``, the second branch a global-pooled sigmoid gate."""

    def __init__(self, in_ch: int, out_ch: int) -> None:
        super().__init__()
        self.aspp1 = nn.Sequential(nn.Conv2d(in_ch, out_ch, 1, bias=False), nn.BatchNorm2d(out_ch), nn.ReLU(True))
        self.aspp2 = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Conv2d(in_ch, out_ch, 1, bias=False), nn.Sigmoid())

    def forward(self, x: Tensor) -> Tensor:
        """``x``: ``[N, in_ch, h, w]`` -> ``[N, out_ch, h, w]``."""
        return self.aspp1(x) * self.aspp2(x)


class Projection(nn.Module):
    """A 1x1 convolution head, kept under ``.conv`` to match the state_dict layout."""

    def __init__(self, in_ch: int, out_ch: int) -> None:
        super().__init__()
        self.conv = nn.Conv2d(in_ch, out_ch, 1)

    def forward(self, x: Tensor) -> Tensor:
        return self.conv(x)
