"""The refiners a network can be built with, by the names of ``registry.REFINER_NAMES``.

Every refiner is called as ``refiner(fine_src [N,3,H,W], base_src [N,3,h,w], base_fgr [N,3,h,w],
base_pha [N,1,h,w], base_hid [N,C,h,w], aux)`` and returns the full-resolution foreground residual and
alpha; ``aux`` (a dict or ``None``) receives training outputs where the refiner has any (PRM).
"""
from __future__ import annotations

from typing import Callable

from torch import nn

from videomatte.models.blocks.guided_filter import DeepGuidedFilterRefiner, FastGuidedFilterRefiner
from videomatte.models.registry import check_refiner
from videomatte.models.designs.patch_refinement import PatchRefiner

REFINERS: dict[str, Callable[[int], nn.Module]] = {
    "deep_guided_filter": DeepGuidedFilterRefiner,
    "fast_guided_filter": FastGuidedFilterRefiner,
    "prm": PatchRefiner,
}


def make_refiner(name: str, hid_ch: int) -> nn.Module:
    """The refiner called ``name`` for a decoder hidden map of ``hid_ch`` channels."""
    return REFINERS[check_refiner(name)](hid_ch)
