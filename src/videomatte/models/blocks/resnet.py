"""ResNet-50 encoder with a dilated last stage (output stride 16), written without torchvision.

The module tree reproduces torchvision's ResNet layout so that RVM-Large checkpoints load by key.
Unlike the MobileNetV3 encoder, it takes raw 0..1 RGB (no ImageNet normalisation), like the original.
"""
from __future__ import annotations

from typing import Optional

from torch import Tensor, nn


class Bottleneck(nn.Module):
    """1x1 reduce -> 3x3 (stride/dilation) -> 1x1 expand (x4), plus the identity or a projected shortcut."""

    expansion = 4

    def __init__(self, in_ch: int, width: int, stride: int = 1, dilation: int = 1,
                 downsample: Optional[nn.Module] = None) -> None:
        super().__init__()
        out_ch = width * self.expansion
        self.conv1 = nn.Conv2d(in_ch, width, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        self.conv2 = nn.Conv2d(width, width, 3, stride, padding=dilation, dilation=dilation, bias=False)
        self.bn2 = nn.BatchNorm2d(width)
        self.conv3 = nn.Conv2d(width, out_ch, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(out_ch)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = downsample

    def forward(self, x: Tensor) -> Tensor:
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        return self.relu(out + identity)


def _stage(in_ch: int, width: int, blocks: int, stride: int, dilate: bool, dilation_in: int) -> tuple[nn.Sequential, int]:
    """One ResNet stage; returns it and the dilation that later stages continue from."""
    dilation = dilation_in
    if dilate:
        dilation *= stride
        stride = 1
    out_ch = width * Bottleneck.expansion
    downsample = None
    if stride != 1 or in_ch != out_ch:
        downsample = nn.Sequential(nn.Conv2d(in_ch, out_ch, 1, stride, bias=False), nn.BatchNorm2d(out_ch))
    layers = [Bottleneck(in_ch, width, stride, dilation_in, downsample)]
    layers += [Bottleneck(out_ch, width, dilation=dilation) for _ in range(1, blocks)]
    return nn.Sequential(*layers), dilation


class ResNet50Encoder(nn.Module):
    """``[N, 3, H, W]`` RGB in 0..1 -> features (64ch @1/2, 256 @1/4, 512 @1/8, 2048 @1/16)."""

    channels = (64, 256, 512, 2048)

    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(3, 64, 7, 2, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(3, 2, 1)
        self.layer1, d = _stage(64, 64, 3, 1, False, 1)
        self.layer2, d = _stage(256, 128, 4, 2, False, d)
        self.layer3, d = _stage(512, 256, 6, 2, False, d)
        self.layer4, _ = _stage(1024, 512, 3, 2, True, d)

    def forward(self, x: Tensor) -> tuple[Tensor, Tensor, Tensor, Tensor]:
        f1 = self.relu(self.bn1(self.conv1(x)))
        f2 = self.layer1(self.maxpool(f1))
        f3 = self.layer2(f2)
        f4 = self.layer4(self.layer3(f3))
        return f1, f2, f3, f4
