"""The recurrent cells of the decoders: RVM's ConvGRU and seed 004's ConvLSTM.

Both run over a time-flattened sequence: ``forward(x [B*T, C, h, w], state | None, frames=T)`` returns
the hidden state of every step ``[B*T, C, h, w]`` and the last state; ``None`` means zeros.

The ConvLSTM gates follow seed 004 (eq. 3)::

    i_t = sigmoid(W_xi * x_t + W_hi * h_{t-1} + b_i)      f_t = sigmoid(W_xf * x_t + W_hf * h_{t-1} + b_f)
    o_t = sigmoid(W_xo * x_t + W_ho * h_{t-1} + b_o)      g_t = tanh(W_xg * x_t + W_hg * h_{t-1} + b_g)
    c_t = f_t * c_{t-1} + i_t * g_t                       h_t = o_t * tanh(c_t)

One convolution over ``[x_t, h_{t-1}]`` with ``4C`` outputs computes the eight convolutions of the
equations at once. Its state travels as ONE tensor ``[B, 2C, h, w] = cat([h, c])``, so a ConvLSTM
decoder keeps the network's four state tensors and every caller that carries ``r1..r4`` works unchanged.
"""
from __future__ import annotations

from typing import Optional

import torch
from torch import Tensor, nn


class ConvGRU(nn.Module):
    """Convolutional GRU over time: ``h = (1 - z) * h + z * tanh(W [x, r * h])``; state ``[B, C, h, w]``."""

    def __init__(self, channels: int, kernel: int = 3) -> None:
        super().__init__()
        self.channels = channels
        pad = kernel // 2
        self.ih = nn.Sequential(nn.Conv2d(channels * 2, channels * 2, kernel, padding=pad), nn.Sigmoid())
        self.hh = nn.Sequential(nn.Conv2d(channels * 2, channels, kernel, padding=pad), nn.Tanh())

    def step(self, x: Tensor, h: Tensor) -> Tensor:
        r, z = self.ih(torch.cat([x, h], dim=1)).split(self.channels, dim=1)
        c = self.hh(torch.cat([x, r * h], dim=1))
        return (1 - z) * h + z * c

    def forward(self, x: Tensor, h: Optional[Tensor], frames: int) -> tuple[Tensor, Tensor]:
        if frames == 1:  # one frame: no time axis to restore (keeps exported graphs free of reshapes)
            h = self.step(x, torch.zeros_like(x) if h is None else h)
            return h, h
        seq = x.unflatten(0, (-1, frames))
        if h is None:
            h = torch.zeros_like(seq[:, 0])
        outputs = []
        for t in range(frames):
            h = self.step(seq[:, t], h)
            outputs.append(h)
        return torch.stack(outputs, dim=1).flatten(0, 1), h


class ConvLSTM(nn.Module):
    """ConvLSTM over time with ``C`` channels and a ``kernel`` x ``kernel`` gate convolution; state
    ``cat([h, c]) [B, 2C, h, w]``."""

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
