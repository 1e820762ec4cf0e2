"""``MattingNetwork``: encoder -> LR-ASPP -> recurrent decoder -> heads -> guided-filter refiner.

The network is stateless: the caller passes the recurrent state in and gets the next one back.
"""
from __future__ import annotations

from typing import Optional

import torch
from torch import Tensor, nn

from videomatte.errors import UnknownModelError
from videomatte.models.brm import BackgroundRestoration
from videomatte.models.convlstm import ConvLSTMDecoder
from videomatte.models.decoder import RecurrentDecoder
from videomatte.models.layers import LRASPP, Projection, downsample, restore_time
from videomatte.models.mobilenetv3 import MobileNetV3LargeEncoder
from videomatte.models.prm import PatchRefiner
from videomatte.models.refiners import REFINERS
from videomatte.models.registry import check_refiner, get_spec
from videomatte.models.resnet import ResNet50Encoder

ENCODERS: dict[str, type[nn.Module]] = {
    "mobilenetv3_large": MobileNetV3LargeEncoder,
    "resnet50": ResNet50Encoder,
}
DECODERS: dict[str, type[nn.Module]] = {"gru": RecurrentDecoder, "lstm": ConvLSTMDecoder}
ALL_REFINERS: dict[str, type[nn.Module]] = {**REFINERS, "prm": PatchRefiner}


class MattingNetwork(nn.Module):
    """Robust Video Matting network.

    Args:
        variant: a name from ``videomatte.models.registry.available_models()``.
        refiner: ``"deep_guided_filter"`` (learned; the official weights), ``"fast_guided_filter"``, or
            ``"prm"`` (MODNet-V's patch refinement, no released weights).

    The spec's ``cell`` picks the decoder's ConvGRU or ConvLSTM, and ``brm`` adds MODNet-V's background
    restoration (``self.brm``; ``None`` otherwise).
    """

    def __init__(self, variant: str = "mobilenetv3", refiner: str = "deep_guided_filter") -> None:
        super().__init__()
        spec = get_spec(variant)
        if spec.builder != "rvm":
            raise UnknownModelError(f"{variant} is not an RVM network; build it with videomatte.models.variants.build_network")
        self.variant = variant
        self.refiner_name = check_refiner(refiner)
        self.backbone = ENCODERS[spec.backbone]()
        feature_ch = self.backbone.channels
        self.aspp = LRASPP(feature_ch[3], spec.aspp_ch)
        self.decoder = DECODERS[spec.cell]((*feature_ch[:3], spec.aspp_ch), spec.decoder_ch)
        self.project_mat = Projection(spec.decoder_ch[3], 4)
        self.project_seg = Projection(spec.decoder_ch[3], 1)
        self.refiner = ALL_REFINERS[refiner]()
        self.brm = BackgroundRestoration(feature_ch[1]) if spec.brm else None
        self.segmentation_head_loaded = False  # set by the zoo when weights include ``project_seg``

    def forward(
        self,
        src: Tensor,
        r1: Optional[Tensor] = None,
        r2: Optional[Tensor] = None,
        r3: Optional[Tensor] = None,
        r4: Optional[Tensor] = None,
        downsample_ratio: float = 1.0,
        segmentation_pass: bool = False,
        force_refiner: bool = False,
    ) -> list[Tensor]:
        """Matte one frame or a chunk of frames.

        Args:
            src: RGB in 0..1, ``[B, 3, H, W]`` or ``[B, T, 3, H, W]`` (any H, W, odd included).
            r1..r4: recurrent states ``[B, C, h, w]`` from the previous call, or ``None`` for zeros.
            downsample_ratio: the network runs at ``floor(H*r) x floor(W*r)``; the refiner restores the
                full size when ``r < 1``.
            segmentation_pass: return segmentation logits instead of the matte.
            force_refiner: run the refiner at ratio 1 too (the official ONNX export always does).

        Returns:
            ``[fgr, pha, r1, r2, r3, r4]`` with ``fgr`` ``[..., 3, H, W]`` and ``pha`` ``[..., 1, H, W]``
            clamped to 0..1 and of the same rank as ``src``; or ``[seg, r1, r2, r3, r4]`` with raw logits
            ``seg`` ``[..., 1, h, w]`` when ``segmentation_pass``. States are always rank 4 (last frame).
        """
        time_series = src.ndim == 5
        frames = src.shape[1] if time_series else 1
        flat = src.flatten(0, 1) if time_series else src
        src_sm = downsample(flat, downsample_ratio) if downsample_ratio != 1 else flat

        f1, f2, f3, f4 = self.backbone(src_sm)
        f4 = self.aspp(f4)
        if self.brm is not None:
            hid, r1, r2, r3, r4 = self.brm.decode(self.decoder, self.project_mat, src_sm, f1, f2, f3, f4,
                                                  r1, r2, r3, r4, frames)
        else:
            hid, r1, r2, r3, r4 = self.decoder(src_sm, f1, f2, f3, f4, r1, r2, r3, r4, frames)

        if segmentation_pass:
            return [restore_time(self.project_seg(hid), src), r1, r2, r3, r4]

        fgr_residual, pha = self.project_mat(hid).split([3, 1], dim=1)
        if downsample_ratio != 1 or force_refiner:
            fgr_residual, pha = self.refiner(flat, src_sm, fgr_residual, pha, hid)
        fgr = (fgr_residual + flat).clamp(0.0, 1.0)
        pha = pha.clamp(0.0, 1.0)
        return [restore_time(fgr, src), restore_time(pha, src), r1, r2, r3, r4]

    @property
    def device(self) -> torch.device:
        return next(self.parameters()).device
