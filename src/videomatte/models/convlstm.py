"""Convolutional LSTM (seed 004, eq. 3) and an RVM decoder that uses it in place of the ConvGRU.

The gates follow seed 004::

    i_t = sigmoid(W_xi * x_t + W_hi * h_{t-1} + b_i)      f_t = sigmoid(W_xf * x_t + W_hf * h_{t-1} + b_f)
    o_t = sigmoid(W_xo * x_t + W_ho * h_{t-1} + b_o)      g_t = tanh(W_xg * x_t + W_hg * h_{t-1} + b_g)
    c_t = f_t * c_{t-1} + i_t * g_t                       h_t = o_t * tanh(c_t)

One convolution over ``[x_t, h_{t-1}]`` with ``4C`` outputs computes the eight convolutions of the
equations at once (a convolution of a concatenation is the sum of the convolutions of its parts).

The recurrent state travels as ONE tensor ``[B, 2C, h, w] = cat([h, c])``, so an LSTM decoder keeps
the network's four state tensors and every caller that carries ``r1..r4`` works unchanged.
"""
from __future__ import annotations

from typing import Optional, Sequence

import torch
from torch import Tensor, nn

from videomatte.models.layers import conv_bn_act, upsample2x_to
from videomatte.models.decoder import OutputBlock


class ConvLSTM(nn.Module):
    """ConvLSTM over a time-flattened sequence.

    Args:
        channels: ``C``, the channels of the input and of the hidden state.
        kernel: size of the gate convolution.

    ``forward(x [B*T, C, h, w], state [B, 2C, h, w] | None, frames=T)`` returns the hidden state of every
    step ``[B*T, C, h, w]`` and the last state ``cat([h_T, c_T]) [B, 2C, h, w]``.
    """

    def __init__(self, channels: int, kernel: int = 3) -> None:
        super().__init__()
        self.channels = channels
        self.gates = nn.Conv2d(channels * 2, channels * 4, kernel, padding=kernel // 2)
        with torch.no_grad():  # forget-gate bias 1: remember by default at the start of training
            self.gates.bias[channels : 2 * channels].fill_(1.0)

    def step(self, x: Tensor, h: Tensor, c: Tensor) -> tuple[Tensor, Tensor]:
        """One time step: ``x``, ``h``, ``c`` ``[B, C, h, w]`` -> ``(h_t, c_t)``."""
        i, f, o, g = self.gates(torch.cat([x, h], dim=1)).chunk(4, dim=1)
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        h = torch.sigmoid(o) * torch.tanh(c)
        return h, c

    def forward(self, x: Tensor, state: Optional[Tensor], frames: int) -> tuple[Tensor, Tensor]:
        if state is None:
            h = torch.zeros_like(x[: x.shape[0] // frames])
            c = torch.zeros_like(h)
        else:
            h, c = state.split(self.channels, dim=1)
        if frames == 1:  # one frame: no time axis to restore (keeps exported graphs free of reshapes)
            h, c = self.step(x, h, c)
            return h, torch.cat([h, c], dim=1)
        seq = x.unflatten(0, (-1, frames))
        outputs = []
        for t in range(frames):
            h, c = self.step(seq[:, t], h, c)
            outputs.append(h)
        return torch.stack(outputs, dim=1).flatten(0, 1), torch.cat([h, c], dim=1)


class LSTMBottleneckBlock(nn.Module):
    """RVM's 1/16 block with a ConvLSTM on the second half of the channels."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.channels = channels
        self.lstm = ConvLSTM(channels // 2)

    def forward(self, x: Tensor, r: Optional[Tensor], frames: int) -> tuple[Tensor, Tensor]:
        a, b = x.split(self.channels // 2, dim=1)
        b, r = self.lstm(b, r, frames)
        return torch.cat([a, b], dim=1), r


class LSTMUpsamplingBlock(nn.Module):
    """RVM's upsampling block (x2, skip, image, conv-bn-relu) with a ConvLSTM on half the channels."""

    def __init__(self, in_ch: int, skip_ch: int, src_ch: int, out_ch: int) -> None:
        super().__init__()
        self.out_ch = out_ch
        self.conv = conv_bn_act(in_ch + skip_ch + src_ch, out_ch, 3)
        self.lstm = ConvLSTM(out_ch // 2)

    def forward(self, x: Tensor, skip: Tensor, s: Tensor, r: Optional[Tensor], frames: int) -> tuple[Tensor, Tensor]:
        x = torch.cat([upsample2x_to(x, skip), skip, s], dim=1)
        a, b = self.conv(x).split(self.out_ch // 2, dim=1)
        b, r = self.lstm(b, r, frames)
        return torch.cat([a, b], dim=1), r


class ConvLSTMDecoder(nn.Module):
    """``RecurrentDecoder`` with ConvLSTM cells: same inputs, outputs and layout, states twice as wide.

    States: ``r1..r4`` ``[B, 2 * C_i / 2, h_i, w_i]`` (``cat([h, c])``), i.e. ``decoder_ch[2]``,
    ``decoder_ch[1]``, ``decoder_ch[0]`` and ``feature_ch[3]`` channels.
    """

    def __init__(self, feature_ch: Sequence[int], decoder_ch: Sequence[int]) -> None:
        super().__init__()
        self.avgpool = nn.AvgPool2d(2, 2, count_include_pad=False, ceil_mode=True)
        self.decode4 = LSTMBottleneckBlock(feature_ch[3])
        self.decode3 = LSTMUpsamplingBlock(feature_ch[3], feature_ch[2], 3, decoder_ch[0])
        self.decode2 = LSTMUpsamplingBlock(decoder_ch[0], feature_ch[1], 3, decoder_ch[1])
        self.decode1 = LSTMUpsamplingBlock(decoder_ch[1], feature_ch[0], 3, decoder_ch[2])
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
