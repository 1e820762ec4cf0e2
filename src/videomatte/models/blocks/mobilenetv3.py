"""MobileNetV3-Large encoder with a dilated last stage (output stride 16), written without torchvision.

The module tree reproduces torchvision's ``MobileNetV3.features`` layout so that the official RVM
weights load by key; ImageNet normalisation happens inside the encoder.
"""
from __future__ import annotations

from typing import NamedTuple

import torch
from torch import Tensor, nn
from torch.nn import functional as F

from videomatte.models.blocks.layers import conv_bn_act

BN_EPS = 0.001
BN_MOMENTUM = 0.01
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


class BlockConfig(NamedTuple):
    in_ch: int
    kernel: int
    expanded: int
    out_ch: int
    use_se: bool
    hardswish: bool
    stride: int
    dilation: int


# MobileNetV3-Large with the last stride replaced by dilation 2 (features[1..15]).
LARGE_DILATED = [
    BlockConfig(16, 3, 16, 16, False, False, 1, 1),
    BlockConfig(16, 3, 64, 24, False, False, 2, 1),
    BlockConfig(24, 3, 72, 24, False, False, 1, 1),
    BlockConfig(24, 5, 72, 40, True, False, 2, 1),
    BlockConfig(40, 5, 120, 40, True, False, 1, 1),
    BlockConfig(40, 5, 120, 40, True, False, 1, 1),
    BlockConfig(40, 3, 240, 80, False, True, 2, 1),
    BlockConfig(80, 3, 200, 80, False, True, 1, 1),
    BlockConfig(80, 3, 184, 80, False, True, 1, 1),
    BlockConfig(80, 3, 184, 80, False, True, 1, 1),
    BlockConfig(80, 3, 480, 112, True, True, 1, 1),
    BlockConfig(112, 3, 672, 112, True, True, 1, 1),
    BlockConfig(112, 5, 672, 160, True, True, 2, 2),
    BlockConfig(160, 5, 960, 160, True, True, 1, 2),
    BlockConfig(160, 5, 960, 160, True, True, 1, 2),
]


def make_divisible(value: float, divisor: int = 8) -> int:
    """Round ``value`` to a multiple of ``divisor``, never going more than 10 % below it."""
    rounded = max(divisor, int(value + divisor / 2) // divisor * divisor)
    return rounded + divisor if rounded < 0.9 * value else rounded


class SqueezeExcitation(nn.Module):
    """Channel gate: global pool -> 1x1 (``fc1``) -> ReLU -> 1x1 (``fc2``) -> hard sigmoid."""

    def __init__(self, channels: int, squeeze: int) -> None:
        super().__init__()
        self.fc1 = nn.Conv2d(channels, squeeze, 1)
        self.fc2 = nn.Conv2d(squeeze, channels, 1)

    def forward(self, x: Tensor) -> Tensor:
        scale = F.adaptive_avg_pool2d(x, 1)
        scale = self.fc2(F.relu(self.fc1(scale)))
        return x * F.hardsigmoid(scale)


class InvertedResidual(nn.Module):
    """Expand (1x1) -> depthwise (kxk, maybe dilated) -> [squeeze-excitation] -> project (1x1, linear)."""

    def __init__(self, cfg: BlockConfig) -> None:
        super().__init__()
        act = nn.Hardswish if cfg.hardswish else nn.ReLU
        bn = dict(bn_eps=BN_EPS, bn_momentum=BN_MOMENTUM)
        layers: list[nn.Module] = []
        if cfg.expanded != cfg.in_ch:
            layers.append(conv_bn_act(cfg.in_ch, cfg.expanded, 1, act=act, **bn))
        stride = 1 if cfg.dilation > 1 else cfg.stride
        layers.append(
            conv_bn_act(
                cfg.expanded, cfg.expanded, cfg.kernel, stride, groups=cfg.expanded, dilation=cfg.dilation, act=act, **bn
            )
        )
        if cfg.use_se:
            layers.append(SqueezeExcitation(cfg.expanded, make_divisible(cfg.expanded // 4)))
        layers.append(conv_bn_act(cfg.expanded, cfg.out_ch, 1, act=None, **bn))
        self.block = nn.Sequential(*layers)
        self.residual = cfg.stride == 1 and cfg.in_ch == cfg.out_ch

    def forward(self, x: Tensor) -> Tensor:
        out = self.block(x)
        return out + x if self.residual else out


class MobileNetV3LargeEncoder(nn.Module):
    """``[N, 3, H, W]`` RGB in 0..1 -> features (16ch @1/2, 24ch @1/4, 40ch @1/8, 960ch @1/16)."""

    channels = (16, 24, 40, 960)

    def __init__(self) -> None:
        super().__init__()
        bn = dict(bn_eps=BN_EPS, bn_momentum=BN_MOMENTUM)
        self.features = nn.Sequential(
            conv_bn_act(3, 16, 3, stride=2, act=nn.Hardswish, **bn),
            *[InvertedResidual(cfg) for cfg in LARGE_DILATED],
            conv_bn_act(160, 960, 1, act=nn.Hardswish, **bn),
        )
        self.register_buffer("mean", torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1), persistent=False)
        self.register_buffer("std", torch.tensor(IMAGENET_STD).view(1, 3, 1, 1), persistent=False)

    def forward(self, x: Tensor) -> tuple[Tensor, Tensor, Tensor, Tensor]:
        x = (x - self.mean) / self.std
        taps = []
        for index, layer in enumerate(self.features):
            x = layer(x)
            if index in (1, 3, 6, 16):
                taps.append(x)
        return taps[0], taps[1], taps[2], taps[3]
