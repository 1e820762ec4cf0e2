"""The export wrapper's restated deep guided filter gives the refiner's own coefficients."""
from __future__ import annotations

import torch

from videomatte.export.wrappers import _stacked_box_coefficients
from videomatte.models.blocks.guided_filter import DeepGuidedFilterRefiner


def test_one_stacked_box_filter_gives_the_refiners_coefficients():
    torch.manual_seed(0)
    refiner = DeepGuidedFilterRefiner().eval()
    with torch.no_grad():
        refiner.box_filter.weight.add_(torch.randn_like(refiner.box_filter.weight) * 0.05)  # trained, not 1/9
        for module in refiner.conv:
            if isinstance(module, torch.nn.BatchNorm2d):
                module.running_mean.normal_()
                module.running_var.uniform_(0.5, 2.0)
    base = [torch.rand(2, 3, 9, 13), torch.randn(2, 3, 9, 13) * 0.1, torch.rand(2, 1, 9, 13), torch.randn(2, 16, 9, 13)]
    with torch.no_grad():
        expected = refiner.coefficients(*base)
        actual = _stacked_box_coefficients(refiner, base[0], torch.cat(base[1:3], dim=1), base[3])
    for exp, act in zip(expected, actual):
        torch.testing.assert_close(act, exp, rtol=1e-5, atol=1e-6)
