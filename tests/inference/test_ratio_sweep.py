"""Every downsample ratio the network accepts mattes on every backend, at odd and even frame sizes.

Issue 17: ``--ratio 0.45`` on a 360x640 clip failed in the onnxruntime backend's static export (ONNX
computes ``floor(640 * float32(0.45)) = 287`` where PyTorch gives 288). The sizes below reproduce that
rounding at a small scale (``40 * float32(0.45)`` falls short of 18 and ``30 * float32(0.7)`` of 21),
include odd sizes whose halvings round up, and the smallest ratio, whose network input is one pixel
high. Random weights: the check is that each backend gives the eager network's mattes.
"""
from __future__ import annotations

import numpy as np
import pytest
import torch

from videomatte.export.checks import TOLERANCES

from videomatte.inference.backends import BACKENDS
from videomatte.inference.session import MattingSession
from videomatte.models.geometry import min_ratio
from videomatte.models.network import MattingNetwork

MEAN_TOL, MAX_TOL = TOLERANCES["fp32"]
# ratio 1 at odd sizes: tests/export/test_onnx_export.py and the backend tests
SWEEP = [((40, 60), 0.45), ((41, 73), 0.45), ((30, 47), 0.7), ((41, 73), min_ratio(41, 73))]


def _mattes(session: MattingSession, size: tuple[int, int], ratio: float) -> np.ndarray:
    """Foreground and alpha ``[2, 4, H, W]`` of two frames (the second with the first one's state)."""
    session.fixed_ratio = ratio
    session.reset()
    generator = torch.Generator().manual_seed(size[0] * size[1])
    mattes = [session.step(torch.rand(3, *size, generator=generator)) for _ in range(2)]
    return np.concatenate([np.concatenate([m.fgr.numpy(), m.pha.numpy()], axis=1) for m in mattes])


@pytest.fixture(scope="module")
def eager_mattes(tiny_net: MattingNetwork) -> list[np.ndarray]:
    session = MattingSession(tiny_net, device="cpu", backend="torch")
    return [_mattes(session, size, ratio) for size, ratio in SWEEP]


@pytest.mark.parametrize("backend", [name for name in BACKENDS if name != "torch"])
def test_every_ratio_gives_the_eager_mattes_on_every_backend(tiny_net, eager_mattes, backend):
    session = MattingSession(tiny_net, device="cpu", backend=backend)
    for (size, ratio), expected in zip(SWEEP, eager_mattes):
        actual = _mattes(session, size, ratio)
        assert actual.shape == expected.shape == (2, 4, *size)
        difference = np.abs(actual - expected)
        assert difference.mean() <= MEAN_TOL and difference.max() <= MAX_TOL, (backend, size, ratio)


def test_the_sweep_covers_sizes_that_a_float32_scale_gets_wrong():
    def size_by_float32_scale(side: int, ratio: float) -> int:  # as onnx's shape inference computes it
        return int(np.floor(float(np.float32(ratio)) * side))

    for side, ratio in [(640, 0.45), (40, 0.45), (30, 0.7)]:
        assert size_by_float32_scale(side, ratio) == int(side * ratio) - 1, (side, ratio)
    assert ((40, 60), 0.45) in SWEEP and ((30, 47), 0.7) in SWEEP
    assert int(41 * SWEEP[-1][1]) == 1  # the smallest ratio leaves one network pixel


def test_a_ratio_below_the_smallest_is_refused_with_the_smallest(tiny_net):
    session = MattingSession(tiny_net, device="cpu", backend="torch", downsample_ratio=0.01)
    with pytest.raises(ValueError, match=r"ratio 0\.01 .*73x41 frame; the smallest ratio that works here is 0\.0244"):
        session.step(torch.rand(3, 41, 73))
