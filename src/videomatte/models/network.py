"""``MattingNetwork``: encoder -> LR-ASPP -> recurrent decoder -> heads -> refiner.

The network is stateless: the caller passes the recurrent state in and gets the next one back. It
compiles with ``torch.jit.script`` as it is (BRM aside), and describes itself to its users: the
recurrent state it carries (``state_layout``), the smallest downsample ratio it takes (``min_ratio``)
and whether it exports to a dynamic-shape ONNX graph (``exportable``).
"""
from __future__ import annotations

from typing import Dict, List, Optional, Sequence

import torch
from torch import Tensor, nn

from videomatte.errors import UnknownModelError
from videomatte.models.blocks.decoder import RecurrentDecoder
from videomatte.models.blocks.guided_filter import GuidedFilterRefiner
from videomatte.models.blocks.layers import LRASPP, Projection, downsample, restore_time
from videomatte.models.blocks.mobilenetv3 import MobileNetV3LargeEncoder
from videomatte.models.blocks.resnet import ResNet50Encoder
from videomatte.models.geometry import state_size
from videomatte.models.refiners import make_refiner
from videomatte.models.designs.background_restoration import BG_CHANNELS, BackgroundRestoration

ENCODERS: dict[str, type[nn.Module]] = {"mobilenetv3_large": MobileNetV3LargeEncoder, "resnet50": ResNet50Encoder}
STATE_STRIDES = (2, 4, 8, 16)


def _released_arch(name: str) -> tuple[str, int, Sequence[int], str]:
    """``(encoder, aspp_ch, decoder_ch, name)`` of the released variant ``name``, from the registry."""
    from videomatte.models.registry import get_spec

    spec = get_spec(name)
    if not spec.released_weights or set(spec.arch) != {"backbone", "aspp_ch", "decoder_ch"}:
        raise UnknownModelError(f"MattingNetwork({name!r}) takes mobilenetv3 or resnet50; build other variants with "
                                "videomatte.models.registry.build_network")
    return spec.arch["backbone"], spec.arch["aspp_ch"], spec.arch["decoder_ch"], name


class MattingNetwork(nn.Module):
    """Robust Video Matting network and its seed options.

    ``MattingNetwork("mobilenetv3")`` and ``MattingNetwork("resnet50", "fast_guided_filter")`` build the
    released variants as the authors' constructor does; the registry (``build_network``) builds every
    variant from its architecture arguments.

    Args:
        backbone: a released variant's name (``"mobilenetv3"``, ``"resnet50"``) when ``aspp_ch`` is not
            given (the authors' form; then a string ``aspp_ch`` is the refiner), else the encoder
            (``"mobilenetv3_large"`` or ``"resnet50"``).
        aspp_ch: LR-ASPP output channels; decoder_ch: outputs of decode3, decode2, decode1, decode0.
        cell: the decoder's recurrent cell, ``"gru"`` (official) or ``"lstm"`` (ConvLSTM, seed 004).
        brm: add MODNet-V's background restoration (seed 003) as ``self.brm``.
        refiner: ``"deep_guided_filter"`` (learned; the official weights), ``"fast_guided_filter"`` or
            ``"prm"`` (MODNet-V's patch refinement).
        variant: the registry name it was built under (for listings, caches and messages).
    """

    __jit_unused_properties__ = ["device", "exportable"]

    def __init__(self, backbone: str = "mobilenetv3", aspp_ch: int | str | None = None,
                 decoder_ch: Sequence[int] | None = None, cell: str = "gru", brm: bool = False,
                 refiner: str = "deep_guided_filter", variant: str | None = None) -> None:
        super().__init__()
        if aspp_ch is None or isinstance(aspp_ch, str):  # the original's (variant, refiner) form
            refiner = aspp_ch if isinstance(aspp_ch, str) else refiner
            backbone, aspp_ch, decoder_ch, variant = _released_arch(backbone)
        variant = variant or backbone
        if backbone not in ENCODERS:
            raise UnknownModelError(f"unknown backbone {backbone!r}; choose one of: {', '.join(ENCODERS)} (to build a "
                                    "registered variant by name, use videomatte.models.registry.build_network)")
        self.variant = variant
        self.refiner_name = refiner
        self.backbone = ENCODERS[backbone]()
        feature_ch = self.backbone.channels
        self.aspp = LRASPP(feature_ch[3], aspp_ch)
        self.decoder = RecurrentDecoder((*feature_ch[:3], aspp_ch), decoder_ch, cell)
        self.project_mat = Projection(decoder_ch[3], 4)
        self.project_seg = Projection(decoder_ch[3], 1)
        self.refiner = make_refiner(refiner, decoder_ch[3])
        self.brm = BackgroundRestoration(feature_ch[1]) if brm else None
        width = 2 if cell == "lstm" else 1
        halves = [decoder_ch[2] // 2, decoder_ch[1] // 2, decoder_ch[0] // 2, aspp_ch // 2]
        self.state_channels = [c * width + (BG_CHANNELS + 1 if brm and k == 1 else 0) for k, c in enumerate(halves)]
        self.segmentation_head_loaded = False  # set by the zoo when weights include ``project_seg``

    def forward(self, src: Tensor, r1: Optional[Tensor] = None, r2: Optional[Tensor] = None,
                r3: Optional[Tensor] = None, r4: Optional[Tensor] = None, downsample_ratio: float = 1.0,
                segmentation_pass: bool = False, force_refiner: bool = False,
                aux: Optional[Dict[str, Tensor]] = None) -> List[Tensor]:
        """Matte one frame or a chunk of frames.

        Args:
            src: RGB in 0..1, ``[B, 3, H, W]`` or ``[B, T, 3, H, W]`` (any H, W, odd included).
            r1..r4: recurrent states ``[B, C, h, w]`` from the previous call, or ``None`` for zeros.
            downsample_ratio: the network runs at ``floor(H*r) x floor(W*r)``; the refiner restores the
                full size when ``r < 1``.
            segmentation_pass: return segmentation logits instead of the matte.
            force_refiner: run the refiner at ratio 1 too (the official ONNX export always does).
            aux: a dict that receives the auxiliary training outputs of the seed options (BRM's
                ``brm_background``/``brm_mask``, PRM's ``prm_*``); ``None`` computes none.

        Returns:
            ``[fgr, pha, r1, r2, r3, r4]`` with ``fgr`` ``[..., 3, H, W]`` and ``pha`` ``[..., 1, H, W]``
            clamped to 0..1 and of the same rank as ``src``; or ``[seg, r1, r2, r3, r4]`` with raw logits
            ``seg`` ``[..., 1, h, w]`` when ``segmentation_pass``. States are always rank 4 (last frame).
        """
        frames = src.shape[1] if src.dim() == 5 else 1
        flat = src.flatten(0, 1) if src.dim() == 5 else src
        src_sm = downsample(flat, downsample_ratio) if downsample_ratio != 1.0 else flat
        f1, f2, f3, f4 = self.backbone(src_sm)
        f4 = self.aspp(f4)
        if self.brm is not None:
            hid, r1, r2, r3, r4 = self.brm.decode(self.decoder, self.project_mat, src_sm, f1, f2, f3, f4,
                                                  r1, r2, r3, r4, frames, aux)
        else:
            hid, r1, r2, r3, r4 = self.decoder(src_sm, f1, f2, f3, f4, r1, r2, r3, r4, frames)
        if segmentation_pass:
            return [restore_time(self.project_seg(hid), src), r1, r2, r3, r4]
        fgr_residual, pha = self.project_mat(hid).split([3, 1], dim=1)
        if downsample_ratio != 1.0 or force_refiner:
            fgr_residual, pha = self.refiner(flat, src_sm, fgr_residual, pha, hid, aux)
        fgr = (fgr_residual + flat).clamp(0.0, 1.0)
        pha = pha.clamp(0.0, 1.0)
        return [restore_time(fgr, src), restore_time(pha, src), r1, r2, r3, r4]

    def state_layout(self, height: int, width: int, ratio: float) -> list[tuple[int, int, int]]:
        """``(channels, h, w)`` of ``r1..r4`` for frames of ``height x width`` at ``ratio``."""
        return [(c, *state_size(height, width, ratio, s)) for c, s in zip(self.state_channels, STATE_STRIDES)]

    @property
    def exportable(self) -> bool:
        """Whether the network exports to a dynamic-shape ONNX graph with a runtime ratio (and so runs in
        the ONNX runtime backend): ConvGRU decoder, no BRM, a guided-filter refiner. Every variant exports
        with fixed shapes and ratio."""
        return self.decoder.cell == "gru" and self.brm is None and isinstance(self.refiner, GuidedFilterRefiner)

    @property
    def device(self) -> torch.device:
        return next(self.parameters()).device
