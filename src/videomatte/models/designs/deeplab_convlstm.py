"""The DeepLab + ConvLSTM network of "Video Matting with Convolutional LSTM" (Zhang et al., seed document
004; registry name ``deeplab_convlstm``).

ResNet-50 encoder (64/256/512/2048 channels at 1/2..1/16) -> ASPP (rates 3, 6, 9) -> three decoder
blocks, each ``upsample x2 -> concat encoder skip -> conv-bn-relu -> ConvLSTM`` with input channels
768, 384, 128 and outputs 128, 64, 48 -> an output block ``upsample x2 -> concat image -> conv``
from 51 to 37 channels: alpha, foreground (as a residual over the image), error map, and 32 hidden
channels (kept, as in the seed, for a refiner).

It takes the same arguments and returns the same list as ``MattingNetwork``: the three ConvLSTM states
``cat([h, c])`` are ``r1`` (96 ch at 1/2), ``r2`` (128 ch at 1/4) and ``r3`` (256 ch at 1/8); ``r4`` is
a ``[B, 1, 1, 1]`` placeholder of zeros, passed through, so that callers carry four states as for RVM.
"""
from __future__ import annotations

from typing import Dict, List, Optional, Sequence

import torch
from torch import Tensor, nn
from torch.nn import functional as F

from videomatte.models.blocks.cells import ConvLSTM
from videomatte.models.blocks.layers import Projection, conv_bn_act, downsample, restore_time, upsample2x_to
from videomatte.models.blocks.resnet import ResNet50Encoder
from videomatte.models.network import state_size
from videomatte.models.refiners import make_refiner

HIDDEN_CH = 32


class ASPP(nn.Module):
    """Atrous spatial pyramid pooling: 1x1, three dilated 3x3 and an image-pooling branch, fused by 1x1."""

    def __init__(self, in_ch: int, out_ch: int = 256, rates: Sequence[int] = (3, 6, 9)) -> None:
        super().__init__()
        branches = [conv_bn_act(in_ch, out_ch, 1)] + [conv_bn_act(in_ch, out_ch, 3, dilation=r) for r in rates]
        self.branches = nn.ModuleList(branches)
        self.pooling = nn.Sequential(nn.AdaptiveAvgPool2d(1), conv_bn_act(in_ch, out_ch, 1))
        self.project = conv_bn_act(out_ch * (len(rates) + 2), out_ch, 1)

    def forward(self, x: Tensor) -> Tensor:
        """``[N, in_ch, h, w]`` -> ``[N, out_ch, h, w]``."""
        pooled = self.pooling(x).expand(-1, -1, x.shape[-2], x.shape[-1])
        return self.project(torch.cat([b(x) for b in self.branches] + [pooled], dim=1))


class LSTMDecoderBlock(nn.Module):
    """Upsample x2, concat the encoder skip, conv-bn-relu, ConvLSTM over all channels."""

    def __init__(self, in_ch: int, skip_ch: int, out_ch: int) -> None:
        super().__init__()
        self.conv = conv_bn_act(in_ch + skip_ch, out_ch, 3)
        self.lstm = ConvLSTM(out_ch)

    def forward(self, x: Tensor, skip: Tensor, r: Optional[Tensor], frames: int) -> tuple[Tensor, Tensor]:
        return self.lstm(self.conv(torch.cat([upsample2x_to(x, skip), skip], dim=1)), r, frames)


class ConvLSTMMattingNetwork(nn.Module):
    """Seed 004's network with ``MattingNetwork``'s interface.

    Args:
        aspp_ch: ASPP output channels; decoder_ch: outputs of decode3, decode2, decode1 and decode0.
        refiner: used when ``downsample_ratio < 1``: ``"deep_guided_filter"``, ``"fast_guided_filter"``
            or ``"prm"`` (all fed the 32 hidden channels).
        variant: the registry name it was built under.
    """

    __jit_unused_properties__ = ["device", "exportable"]

    def __init__(self, aspp_ch: int = 256, decoder_ch: Sequence[int] = (128, 64, 48, 37),
                 refiner: str = "deep_guided_filter", variant: str = "deeplab_convlstm") -> None:
        super().__init__()
        self.variant = variant
        self.refiner_name = refiner
        self.backbone = ResNet50Encoder()
        self.aspp = ASPP(2048, aspp_ch)
        self.decode3 = LSTMDecoderBlock(aspp_ch, 512, decoder_ch[0])
        self.decode2 = LSTMDecoderBlock(decoder_ch[0], 256, decoder_ch[1])
        self.decode1 = LSTMDecoderBlock(decoder_ch[1], 64, decoder_ch[2])
        self.decode0 = nn.Conv2d(decoder_ch[2] + 3, decoder_ch[3], 3, padding=1)
        self.project_seg = Projection(HIDDEN_CH, 1)  # beyond the seed: for RVM's segmentation passes
        self.refiner = make_refiner(refiner, HIDDEN_CH)
        self.state_channels = [2 * decoder_ch[2], 2 * decoder_ch[1], 2 * decoder_ch[0], 1]
        self.segmentation_head_loaded = False

    def forward(self, src: Tensor, r1: Optional[Tensor] = None, r2: Optional[Tensor] = None,
                r3: Optional[Tensor] = None, r4: Optional[Tensor] = None, downsample_ratio: float = 1.0,
                segmentation_pass: bool = False, force_refiner: bool = False,
                aux: Optional[Dict[str, Tensor]] = None) -> List[Tensor]:
        """``src`` ``[B, 3, H, W]`` or ``[B, T, 3, H, W]`` in 0..1 -> ``[fgr, pha, r1, r2, r3, r4]`` (see
        ``MattingNetwork.forward``), or ``[seg, r1, r2, r3, r4]`` with logits at the network's resolution.
        ``aux`` receives ``error_map`` ``[B*T, 1, H, W]`` in 0..1, the predicted ``|alpha - alpha*|``."""
        hid, r1, r2, r3, r4, flat, small = self._decode(src, r1, r2, r3, r4, downsample_ratio)
        if segmentation_pass:
            return [restore_time(self.project_seg(hid[:, 5:]), src), r1, r2, r3, r4]
        pha, fgr_residual, err, hidden = hid.split([1, 3, 1, HIDDEN_CH], dim=1)
        if downsample_ratio != 1.0 or force_refiner:
            fgr_residual, pha = self.refiner(flat, small, fgr_residual, pha, hidden, aux)
            err = F.interpolate(err, size=(flat.shape[-2], flat.shape[-1]), mode="bilinear", align_corners=False)
        if aux is not None:
            aux["error_map"] = err.clamp(0.0, 1.0)
        fgr = (fgr_residual + flat).clamp(0.0, 1.0)
        return [restore_time(fgr, src), restore_time(pha.clamp(0.0, 1.0), src), r1, r2, r3, r4]

    def forward_with_error(self, src: Tensor, r1: Optional[Tensor] = None, r2: Optional[Tensor] = None,
                           r3: Optional[Tensor] = None, r4: Optional[Tensor] = None, downsample_ratio: float = 1.0,
                           force_refiner: bool = False) -> List[Tensor]:
        """Like ``forward`` but returns ``[fgr, pha, err, r1, r2, r3, r4]``; ``err`` ``[..., 1, H, W]``."""
        aux: Dict[str, Tensor] = {}
        fgr, pha, *rec = self.forward(src, r1, r2, r3, r4, downsample_ratio, False, force_refiner, aux)
        return [fgr, pha, restore_time(aux["error_map"], src), *rec]

    def state_layout(self, height: int, width: int, ratio: float) -> list[tuple[int, int, int]]:
        """``(channels, h, w)`` of ``r1..r4``; ``r4`` is a ``[B, 1, 1, 1]`` placeholder."""
        sizes = [state_size(height, width, ratio, s) for s in (2, 4, 8)] + [(1, 1)]
        return [(c, *hw) for c, hw in zip(self.state_channels, sizes)]

    @property
    def exportable(self) -> bool:
        """Seed 004 exports with fixed shapes and ratio only (no dynamic-shape graph)."""
        return False

    def _decode(self, src: Tensor, r1: Optional[Tensor], r2: Optional[Tensor], r3: Optional[Tensor],
                r4: Optional[Tensor], ratio: float) -> tuple[Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor]:
        """Encoder, ASPP and decoder: the 37-channel map ``[B*T, 37, h, w]``, the states, the flattened
        input ``[B*T, 3, H, W]`` and its downsampled copy."""
        frames = src.shape[1] if src.dim() == 5 else 1
        flat = src.flatten(0, 1) if src.dim() == 5 else src
        small = downsample(flat, ratio) if ratio != 1.0 else flat
        f1, f2, f3, f4 = self.backbone(small)
        x3, r3 = self.decode3(self.aspp(f4), f3, r3, frames)
        x2, r2 = self.decode2(x3, f2, r2, frames)
        x1, r1 = self.decode1(x2, f1, r1, frames)
        hid = self.decode0(torch.cat([upsample2x_to(x1, small), small], dim=1))
        if r4 is None:
            r4 = small.new_zeros(small.shape[0] // frames, 1, 1, 1)
        return hid, r1, r2, r3, r4, flat, small

    @property
    def device(self) -> torch.device:
        return next(self.parameters()).device
