"""Build any registered variant, and describe its recurrent state for exporters.

``build_network`` dispatches on the spec's ``builder``: ``MattingNetwork`` for RVM and its seed options
(ConvLSTM decoder, BRM, PRM), ``Seed004Network`` for seed 004. Both take ``(src, r1, r2, r3, r4,
downsample_ratio)`` and return ``[fgr, pha, r1, r2, r3, r4]``.
"""
from __future__ import annotations

from torch import nn

from videomatte.models.brm import BG_CHANNELS
from videomatte.models.network import MattingNetwork
from videomatte.models.registry import get_spec
from videomatte.models.seed004 import Seed004Network

BUILDERS: dict[str, type[nn.Module]] = {"rvm": MattingNetwork, "seed004": Seed004Network}
RVM_FEATURE_CH = {"mobilenetv3_large": 24, "resnet50": 256}


def build_network(variant: str, refiner: str = "deep_guided_filter") -> nn.Module:
    """A randomly initialised network of ``variant`` (``UnknownModelError`` for unknown names)."""
    return BUILDERS[get_spec(variant).builder](variant, refiner)


def state_layout(variant: str) -> list[tuple[int, int]]:
    """``(channels, stride)`` of ``r1..r4``: state ``i`` is ``[B, channels, ceil(h / stride), ceil(w / stride)]``
    for a network input (after downsampling) of ``h x w``; stride 0 means a fixed ``[B, channels, 1, 1]``."""
    spec = get_spec(variant)
    if spec.builder == "seed004":
        return [(2 * spec.decoder_ch[2], 2), (2 * spec.decoder_ch[1], 4), (2 * spec.decoder_ch[0], 8), (1, 0)]
    width = 2 if spec.cell == "lstm" else 1
    halves = [spec.decoder_ch[2] // 2, spec.decoder_ch[1] // 2, spec.decoder_ch[0] // 2, spec.aspp_ch // 2]
    channels = [c * width for c in halves]
    if spec.brm:
        channels[1] += BG_CHANNELS + 1
    return list(zip(channels, (2, 4, 8, 16)))
