"""The ConvGRU decoder restated for export so that onnxruntime keeps it in its blocked (NCHWc) layout.

onnxruntime's CPU provider runs convolutions in a blocked channel layout and converts tensors back to
plain NCHW around every operator it cannot run blocked: ``Split``, ``Sub``, ``Concat`` of unaligned
channel counts, and bilinear ``Resize`` in ``pytorch_half_pixel`` mode. The decoder as written uses all
of them at every scale, and the conversions plus plain-layout resizes cost a quarter of the runtime.

``BlockedDecoder`` computes the same function from the same trained weights (BatchNorm folded into the
convolutions) with operators that stay blocked:

- ``conv(cat(x, skip, s))`` becomes ``conv_x(x) + conv_skip(skip) + conv_s(s)``;
- a block's ``split`` into the pass-through and the ConvGRU halves becomes two convolutions;
- the ConvGRU's ``(1 - z)`` becomes ``sigmoid(-logit_z)`` from negated weights, so no ``Sub``;
- ``upsample(cat(a, b))`` becomes ``cat(upsample(a), upsample(b))`` fed to separate convolutions, and the
  upsampling is exported with ``half_pixel`` coordinates (equal to ``pytorch_half_pixel`` for a factor
  of 2), which onnxruntime runs blocked.

Only the summation order changes (differences of a few 1e-7). Export-only: nothing here trains.
"""
from __future__ import annotations

from typing import Optional, Sequence

import torch
from torch import Tensor, nn
from torch.nn import functional as F

from videomatte.models.decoder import RecurrentDecoder
from videomatte.models.layers import ConvGRU


def fold_batchnorm(conv: nn.Conv2d, bn: Optional[nn.BatchNorm2d]) -> tuple[Tensor, Tensor]:
    """Weights and bias of ``bn(conv(x))`` as one convolution (``bn`` in eval mode)."""
    weight = conv.weight.detach()
    bias = conv.bias.detach() if conv.bias is not None else torch.zeros(weight.shape[0], dtype=weight.dtype)
    if bn is None:
        return weight.clone(), bias.clone()
    scale = bn.weight.detach() / torch.sqrt(bn.running_var + bn.eps)
    return weight * scale[:, None, None, None], (bias - bn.running_mean) * scale + bn.bias.detach()


class PartsConv(nn.Module):
    """One convolution over a channel concatenation, as a sum of convolutions over its parts.

    Args:
        weight, bias: the folded convolution ``[O, sum(parts), k, k]``, ``[O]``.
        parts: channel counts of the concatenated inputs, in order.
        outputs: channel ranges ``(start, stop)`` of the output to keep (``None``: all).
        negate: use ``-weight`` and ``-bias`` (for ``sigmoid(-x) = 1 - sigmoid(x)``).
    """

    def __init__(self, weight: Tensor, bias: Tensor, parts: Sequence[int],
                 outputs: Optional[tuple[int, int]] = None, negate: bool = False) -> None:
        super().__init__()
        if outputs is not None:
            weight, bias = weight[outputs[0]:outputs[1]], bias[outputs[0]:outputs[1]]
        if negate:
            weight, bias = -weight, -bias
        self.padding = weight.shape[-1] // 2
        starts = [sum(parts[:k]) for k in range(len(parts))]
        for k, (start, count) in enumerate(zip(starts, parts)):
            self.register_buffer(f"weight{k}", weight[:, start:start + count].contiguous())
        self.register_buffer("bias", bias.contiguous())
        self.count = len(parts)

    def forward(self, *xs: Tensor) -> Tensor:
        out = F.conv2d(xs[0], self.weight0, self.bias, padding=self.padding)
        for k in range(1, self.count):
            out = out + F.conv2d(xs[k], getattr(self, f"weight{k}"), padding=self.padding)
        return out


class BlockedGRU(nn.Module):
    """``ConvGRU.step`` with split convolutions and no subtraction."""

    def __init__(self, gru: ConvGRU) -> None:
        super().__init__()
        c = gru.channels
        ih_w, ih_b = fold_batchnorm(gru.ih[0], None)
        hh_w, hh_b = fold_batchnorm(gru.hh[0], None)
        self.reset = PartsConv(ih_w, ih_b, [c, c], (0, c))
        self.update = PartsConv(ih_w, ih_b, [c, c], (c, 2 * c))
        self.keep = PartsConv(ih_w, ih_b, [c, c], (c, 2 * c), negate=True)
        self.candidate = PartsConv(hh_w, hh_b, [c, c])
        # An exact identity (depthwise 1x1, weight 1): a state read from a graph input enters the blocked
        # layout here once, instead of every multiplication by it falling back to plain NCHW.
        self.register_buffer("identity", torch.ones(c, 1, 1, 1))

    def forward(self, x: Tensor, h: Tensor) -> Tensor:
        h = F.conv2d(h, self.identity, groups=h.shape[1])
        r = torch.sigmoid(self.reset(x, h))
        c = torch.tanh(self.candidate(x, r * h))
        return torch.sigmoid(self.keep(x, h)) * h + torch.sigmoid(self.update(x, h)) * c


class _UpsampleHalfPixel(torch.autograd.Function):
    """Bilinear x2 upsampling exported with ``half_pixel`` coordinates and constant scales."""

    @staticmethod
    def forward(ctx: object, x: Tensor) -> Tensor:  # noqa: D102 - see class docstring
        return F.interpolate(x, scale_factor=2.0, mode="bilinear", align_corners=False)

    @staticmethod
    def symbolic(g, x):  # noqa: ANN001, ANN205 - ONNX graph-building callback
        roi = g.op("Constant", value_t=torch.tensor([], dtype=torch.float32))
        scales = g.op("Constant", value_t=torch.tensor([1.0, 1.0, 2.0, 2.0], dtype=torch.float32))
        return g.op("Resize", x, roi, scales, coordinate_transformation_mode_s="half_pixel", mode_s="linear")


def _up_to(x: Tensor, like: Tensor, always_crop: bool) -> Tensor:
    """Upsample x2 and crop to ``like``'s size; a trace with fixed shapes keeps only the crops it needs."""
    x = _UpsampleHalfPixel.apply(x)
    if always_crop or x.shape[-2] != like.shape[-2] or x.shape[-1] != like.shape[-1]:
        x = x[:, :, : like.shape[-2], : like.shape[-1]]
    return x


class BlockedDecoder(nn.Module):
    """``RecurrentDecoder.forward`` for one frame, from ``decoder``'s weights; returns
    ``(hid, r1, r2, r3, r4)`` like the original, with every state required (no ``None``).

    Args:
        decoder: the trained decoder (its weights are copied, BatchNorm folded).
        fixed_shapes: the graph will be traced for one input size, so crops that keep the whole
            upsampled tensor can be left out; ``False`` keeps every crop (dynamic shapes).
    """

    def __init__(self, decoder: RecurrentDecoder, fixed_shapes: bool = False) -> None:
        super().__init__()
        self.always_crop = not fixed_shapes
        self.avgpool = decoder.avgpool
        self.half4 = decoder.decode4.channels // 2
        self.gru4 = BlockedGRU(decoder.decode4.gru)
        self.blocks = nn.ModuleList()
        inputs = [(self.half4, self.half4)]
        for block in (decoder.decode3, decoder.decode2, decoder.decode1):
            weight, bias = fold_batchnorm(block.conv[0], block.conv[1])
            skip = block.conv[0].in_channels - sum(inputs[-1]) - 3
            parts = [*inputs[-1], skip, 3]
            half = block.out_ch // 2
            self.blocks.append(nn.ModuleDict({
                "keep": PartsConv(weight, bias, parts, (0, half)),
                "recur": PartsConv(weight, bias, parts, (half, 2 * half)),
                "gru": BlockedGRU(block.gru),
            }))
            inputs.append((half, half))
        conv = decoder.decode0.conv
        self.out1 = PartsConv(*fold_batchnorm(conv[0], conv[1]), [*inputs[-1], 3])
        self.out2 = PartsConv(*fold_batchnorm(conv[3], conv[4]), [conv[3].in_channels])

    def forward(self, s0: Tensor, f1: Tensor, f2: Tensor, f3: Tensor, f4: Tensor,
                r1: Tensor, r2: Tensor, r3: Tensor, r4: Tensor) -> tuple[Tensor, ...]:
        s1 = self.avgpool(s0)
        s2 = self.avgpool(s1)
        s3 = self.avgpool(s2)
        a, b = f4.split(self.half4, dim=1)
        r4 = self.gru4(b, r4)
        x = (a, r4)
        states = []
        for block, skip, s, r in zip(self.blocks, (f3, f2, f1), (s3, s2, s1), (r3, r2, r1)):
            ups = [_up_to(part, skip, self.always_crop) for part in x]
            keep = F.relu(block["keep"](*ups, skip, s))
            r = block["gru"](F.relu(block["recur"](*ups, skip, s)), r)
            states.append(r)
            x = (keep, r)
        hid = F.relu(self.out1(*[_up_to(part, s0, self.always_crop) for part in x], s0))
        hid = F.relu(self.out2(hid))
        r3, r2, r1 = states
        return hid, r1, r2, r3, r4
