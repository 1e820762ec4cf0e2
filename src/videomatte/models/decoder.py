"""The recurrent decoder: ConvGRU at 1/16, 1/8, 1/4 and 1/2 scale, then a full-resolution output block.

Every tensor here is flattened over time, ``[B*T, C, h, w]``; ``frames = T`` lets the ConvGRUs restore
the time axis. Recurrent states are ``[B, C, h, w]`` and ``None`` means zeros.
"""
from __future__ import annotations

from typing import Optional, Sequence

import torch
from torch import Tensor, nn

from videomatte.models.layers import ConvGRU, conv_bn_act, upsample2x_to


class BottleneckBlock(nn.Module):
    """At 1/16: run a ConvGRU on the second half of the channels, pass the first half through."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.channels = channels
        self.gru = ConvGRU(channels // 2)

    def forward(self, x: Tensor, r: Optional[Tensor], frames: int) -> tuple[Tensor, Tensor]:
        a, b = x.split(self.channels // 2, dim=1)
        b, r = self.gru(b, r, frames)
        return torch.cat([a, b], dim=1), r


class UpsamplingBlock(nn.Module):
    """Upsample x2, concatenate the encoder skip and the image pyramid level, conv, then half-ConvGRU."""

    def __init__(self, in_ch: int, skip_ch: int, src_ch: int, out_ch: int) -> None:
        super().__init__()
        self.out_ch = out_ch
        self.conv = conv_bn_act(in_ch + skip_ch + src_ch, out_ch, 3)
        self.gru = ConvGRU(out_ch // 2)

    def forward(self, x: Tensor, skip: Tensor, s: Tensor, r: Optional[Tensor], frames: int) -> tuple[Tensor, Tensor]:
        x = torch.cat([upsample2x_to(x, skip), skip, s], dim=1)
        a, b = self.conv(x).split(self.out_ch // 2, dim=1)
        b, r = self.gru(b, r, frames)
        return torch.cat([a, b], dim=1), r


class OutputBlock(nn.Module):
    """Upsample x2 to the input size, concatenate the image, two conv-bn-relu layers."""

    def __init__(self, in_ch: int, src_ch: int, out_ch: int) -> None:
        super().__init__()
        self.conv = nn.Sequential(
            nn.Conv2d(in_ch + src_ch, out_ch, 3, padding=1, bias=False),
            nn.BatchNorm2d(out_ch),
            nn.ReLU(True),
            nn.Conv2d(out_ch, out_ch, 3, padding=1, bias=False),
            nn.BatchNorm2d(out_ch),
            nn.ReLU(True),
        )

    def forward(self, x: Tensor, s: Tensor) -> Tensor:
        return self.conv(torch.cat([upsample2x_to(x, s), s], dim=1))


class RecurrentDecoder(nn.Module):
    """Features ``f1..f4`` (1/2 .. 1/16) and the image -> 16-channel hidden map at the image's size."""

    def __init__(self, feature_ch: Sequence[int], decoder_ch: Sequence[int]) -> None:
        super().__init__()
        self.avgpool = nn.AvgPool2d(2, 2, count_include_pad=False, ceil_mode=True)
        self.decode4 = BottleneckBlock(feature_ch[3])
        self.decode3 = UpsamplingBlock(feature_ch[3], feature_ch[2], 3, decoder_ch[0])
        self.decode2 = UpsamplingBlock(decoder_ch[0], feature_ch[1], 3, decoder_ch[1])
        self.decode1 = UpsamplingBlock(decoder_ch[1], feature_ch[0], 3, decoder_ch[2])
        self.decode0 = OutputBlock(decoder_ch[2], 3, decoder_ch[3])

    def forward(
        self,
        s0: Tensor,
        f1: Tensor,
        f2: Tensor,
        f3: Tensor,
        f4: Tensor,
        r1: Optional[Tensor],
        r2: Optional[Tensor],
        r3: Optional[Tensor],
        r4: Optional[Tensor],
        frames: int,
    ) -> tuple[Tensor, Tensor, Tensor, Tensor, Tensor]:
        """Returns ``(hid [B*T, 16, H, W], r1, r2, r3, r4)``."""
        s1 = self.avgpool(s0)
        s2 = self.avgpool(s1)
        s3 = self.avgpool(s2)
        x4, r4 = self.decode4(f4, r4, frames)
        x3, r3 = self.decode3(x4, f3, s3, r3, frames)
        x2, r2 = self.decode2(x3, f2, s2, r2, frames)
        x1, r1 = self.decode1(x2, f1, s1, r1, frames)
        return self.decode0(x1, s0), r1, r2, r3, r4
