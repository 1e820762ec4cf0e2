"""The network of seed 004, "Video Matting with Convolutional LSTM".

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

from typing import Optional, Sequence

import torch
from torch import Tensor, nn
from torch.nn import functional as F

from videomatte.models.convlstm import ConvLSTM
from videomatte.models.layers import Projection, conv_bn_act, downsample, restore_time, upsample2x_to
from videomatte.models.prm import PatchRefiner
from videomatte.models.refiners import DeepGuidedFilterRefiner, FastGuidedFilterRefiner
from videomatte.models.registry import check_refiner, get_spec
from videomatte.models.resnet import ResNet50Encoder
from videomatte.models.variant_losses import seed004_loss

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


class Seed004Network(nn.Module):
    """Seed 004's network with ``MattingNetwork``'s interface.

    Args:
        variant: a registry name whose spec has ``builder == "seed004"``.
        refiner: used when ``downsample_ratio < 1``: ``"deep_guided_filter"``, ``"fast_guided_filter"``
            or ``"prm"`` (all fed the 32 hidden channels).
    """

    def __init__(self, variant: str = "seed004", refiner: str = "deep_guided_filter") -> None:
        super().__init__()
        spec = get_spec(variant)
        self.variant = variant
        self.refiner_name = check_refiner(refiner)
        self.backbone = ResNet50Encoder()
        self.aspp = ASPP(2048, spec.aspp_ch)
        self.decode3 = LSTMDecoderBlock(spec.aspp_ch, 512, spec.decoder_ch[0])
        self.decode2 = LSTMDecoderBlock(spec.decoder_ch[0], 256, spec.decoder_ch[1])
        self.decode1 = LSTMDecoderBlock(spec.decoder_ch[1], 64, spec.decoder_ch[2])
        self.decode0 = nn.Conv2d(spec.decoder_ch[2] + 3, spec.decoder_ch[3], 3, padding=1)
        self.project_seg = Projection(HIDDEN_CH, 1)  # beyond the seed: for RVM's segmentation passes
        refiners = {"deep_guided_filter": lambda: DeepGuidedFilterRefiner(HIDDEN_CH),
                    "fast_guided_filter": FastGuidedFilterRefiner, "prm": lambda: PatchRefiner(HIDDEN_CH)}
        self.refiner = refiners[refiner]()
        self.segmentation_head_loaded = False
        self._aux: Optional[dict[str, Tensor]] = None

    def forward_with_error(
        self, src: Tensor, r1: Optional[Tensor] = None, r2: Optional[Tensor] = None, r3: Optional[Tensor] = None,
        r4: Optional[Tensor] = None, downsample_ratio: float = 1.0, force_refiner: bool = False,
    ) -> list[Tensor]:
        """Like ``forward`` but returns ``[fgr, pha, err, r1, r2, r3, r4]``; ``err`` ``[..., 1, H, W]`` in
        0..1 is the predicted ``|alpha - alpha*|``."""
        hid, r1, r2, r3, r4, flat, small = self._decode(src, r1, r2, r3, r4, downsample_ratio)
        pha, fgr_residual, err, hidden = hid.split([1, 3, 1, HIDDEN_CH], dim=1)
        if downsample_ratio != 1 or force_refiner:
            fgr_residual, pha = self.refiner(flat, small, fgr_residual, pha, hidden)
            err = F.interpolate(err, size=(flat.shape[-2], flat.shape[-1]), mode="bilinear", align_corners=False)
        fgr = (fgr_residual + flat).clamp(0.0, 1.0)
        pha = pha.clamp(0.0, 1.0)
        err = err.clamp(0.0, 1.0)
        if self.training and torch.is_grad_enabled() and not torch.jit.is_scripting():
            self._aux = {"fgr": fgr, "pha": pha, "err": err}
        return [restore_time(fgr, src), restore_time(pha, src), restore_time(err, src), r1, r2, r3, r4]

    def forward(
        self, src: Tensor, r1: Optional[Tensor] = None, r2: Optional[Tensor] = None, r3: Optional[Tensor] = None,
        r4: Optional[Tensor] = None, downsample_ratio: float = 1.0, segmentation_pass: bool = False,
        force_refiner: bool = False,
    ) -> list[Tensor]:
        """``src`` ``[B, 3, H, W]`` or ``[B, T, 3, H, W]`` in 0..1 -> ``[fgr, pha, r1, r2, r3, r4]`` (see
        ``MattingNetwork.forward``), or ``[seg, r1, r2, r3, r4]`` with logits at the network's resolution."""
        if segmentation_pass:
            hid, r1, r2, r3, r4, _, _ = self._decode(src, r1, r2, r3, r4, downsample_ratio)
            return [restore_time(self.project_seg(hid[:, 5:]), src), r1, r2, r3, r4]
        fgr, pha, _, r1, r2, r3, r4 = self.forward_with_error(src, r1, r2, r3, r4, downsample_ratio, force_refiner)
        return [fgr, pha, r1, r2, r3, r4]

    def _decode(self, src: Tensor, r1: Optional[Tensor], r2: Optional[Tensor], r3: Optional[Tensor],
                r4: Optional[Tensor], ratio: float) -> tuple[Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor]:
        """Encoder, ASPP and decoder: the 37-channel map ``[B*T, 37, h, w]``, the states, the flattened
        input ``[B*T, 3, H, W]`` and its downsampled copy."""
        frames = src.shape[1] if src.ndim == 5 else 1
        flat = src.flatten(0, 1) if src.ndim == 5 else src
        small = downsample(flat, ratio) if ratio != 1 else flat
        f1, f2, f3, f4 = self.backbone(small)
        x3, r3 = self.decode3(self.aspp(f4), f3, r3, frames)
        x2, r2 = self.decode2(x3, f2, r2, frames)
        x1, r1 = self.decode1(x2, f1, r1, frames)
        hid = self.decode0(torch.cat([upsample2x_to(x1, small), small], dim=1))
        if r4 is None:
            r4 = small.new_zeros(small.shape[0] // frames, 1, 1, 1)
        return hid, r1, r2, r3, r4, flat, small

    def auxiliary_losses(self, true_fgr: Tensor, true_pha: Tensor, true_bgr: Tensor) -> dict[str, Tensor]:
        """The seed-004 terms RVM's matting loss lacks, from the last training forward (then forgotten):
        ``seed004_pha_sobel`` and ``seed004_err_l1``."""
        aux, self._aux = self._aux, None
        if aux is None:
            return {}
        terms = seed004_loss(aux["fgr"], aux["pha"], aux["err"], true_fgr, true_pha)
        return {"seed004_pha_sobel": terms["pha_sobel"], "seed004_err_l1": terms["err_l1"]}

    @property
    def device(self) -> torch.device:
        return next(self.parameters()).device
