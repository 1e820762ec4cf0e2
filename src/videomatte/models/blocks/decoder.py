"""The recurrent decoder: a recurrent cell at 1/16, 1/8, 1/4 and 1/2 scale, then a full-resolution
output block. The cell is RVM's ConvGRU (``cell="gru"``) or seed 004's ConvLSTM (``cell="lstm"``), run on
the second half of each block's channels.

Every tensor here is flattened over time, ``[B*T, C, h, w]``; ``frames = T`` lets the cells restore
the time axis. Recurrent states are ``[B, C, h, w]`` (``[B, 2C, h, w]`` for the ConvLSTM) and ``None``
means zeros.
"""
from __future__ import annotations

from typing import Optional, Sequence

import torch
from torch import Tensor, nn

from videomatte.models.blocks.cells import ConvGRU, ConvLSTM
from videomatte.models.blocks.layers import conv_bn_act, upsample2x_to

CELLS = ("gru", "lstm")


class HalfRecurrent(nn.Module):
    """Base of the blocks that run a recurrent cell on the second half of their channels.

    The cell lives under the attribute its kind names, ``gru`` or ``lstm`` (the other is ``None``): those
    names are part of the state_dict layouts of the official weights and of the ConvLSTM variants.
    """

    def _add_cell(self, cell: str, channels: int) -> None:
        if cell not in CELLS:
            raise ValueError(f"unknown recurrent cell {cell!r}; choose one of: {', '.join(CELLS)}")
        self.half = channels // 2
        self.gru = ConvGRU(self.half) if cell == "gru" else None
        self.lstm = ConvLSTM(self.half) if cell == "lstm" else None

    def recur(self, x: Tensor, r: Optional[Tensor], frames: int) -> tuple[Tensor, Tensor]:
        """``x`` ``[B*T, 2 * half, h, w]`` -> the first half passed through, the second half through the cell."""
        a, b = x.split(self.half, dim=1)
        if self.gru is not None:
            b, r = self.gru(b, r, frames)
        else:
            assert self.lstm is not None
            b, r = self.lstm(b, r, frames)
        return torch.cat([a, b], dim=1), r


class BottleneckBlock(HalfRecurrent):
    """At 1/16: run the cell on the second half of the channels, pass the first half through."""

    def __init__(self, channels: int, cell: str = "gru") -> None:
        super().__init__()
        self.channels = channels
        self._add_cell(cell, channels)

    def forward(self, x: Tensor, r: Optional[Tensor], frames: int) -> tuple[Tensor, Tensor]:
        return self.recur(x, r, frames)


class UpsamplingBlock(HalfRecurrent):
    """Upsample x2, concatenate the encoder skip and the image pyramid level, conv, then the half-cell."""

    def __init__(self, in_ch: int, skip_ch: int, src_ch: int, out_ch: int, cell: str = "gru") -> None:
        super().__init__()
        self.out_ch = out_ch
        self.conv = conv_bn_act(in_ch + skip_ch + src_ch, out_ch, 3)
        self._add_cell(cell, out_ch)

    def forward(self, x: Tensor, skip: Tensor, s: Tensor, r: Optional[Tensor], frames: int) -> tuple[Tensor, Tensor]:
        x = torch.cat([upsample2x_to(x, skip), skip, s], dim=1)
        return self.recur(self.conv(x), r, frames)


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
    """Features ``f1..f4`` (1/2 .. 1/16) and the image -> 16-channel hidden map at the image's size.

    Args:
        feature_ch: channels of ``f1..f4``; decoder_ch: outputs of decode3, decode2, decode1, decode0.
        cell: ``"gru"`` (RVM) or ``"lstm"`` (seed 004's ConvLSTM, states twice as wide).
    """

    def __init__(self, feature_ch: Sequence[int], decoder_ch: Sequence[int], cell: str = "gru") -> None:
        super().__init__()
        self.cell = cell
        self.avgpool = nn.AvgPool2d(2, 2, count_include_pad=False, ceil_mode=True)
        self.decode4 = BottleneckBlock(feature_ch[3], cell)
        self.decode3 = UpsamplingBlock(feature_ch[3], feature_ch[2], 3, decoder_ch[0], cell)
        self.decode2 = UpsamplingBlock(decoder_ch[0], feature_ch[1], 3, decoder_ch[1], cell)
        self.decode1 = UpsamplingBlock(decoder_ch[1], feature_ch[0], 3, decoder_ch[2], cell)
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
        x1, r1, r2, r3, r4 = self.recurrent(s0, f1, f2, f3, f4, r1, r2, r3, r4, frames)
        return self.decode0(x1, s0), r1, r2, r3, r4

    def recurrent(
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
        """The blocks that carry state (decode4..decode1): ``(x1 [B*T, C, H/2, W/2], r1, r2, r3, r4)``;
        ``decode0(x1, s0)`` finishes the hidden map. The split lets a runtime pipeline the stateful part
        of frame t+1 with the stateless rest of frame t."""
        s1 = self.avgpool(s0)
        s2 = self.avgpool(s1)
        s3 = self.avgpool(s2)
        x4, r4 = self.decode4(f4, r4, frames)
        x3, r3 = self.decode3(x4, f3, s3, r3, frames)
        x2, r2 = self.decode2(x3, f2, s2, r2, frames)
        x1, r1 = self.decode1(x2, f1, s1, r1, frames)
        return x1, r1, r2, r3, r4
