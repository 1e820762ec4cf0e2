"""``MattingSession`` gives the same mattes on every backend."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from videomatte.inference.session import MattingSession

pytestmark = pytest.mark.slow  # the onnxruntime and TorchScript backends compile the network


@pytest.mark.parametrize("backend, ratio", [("torchscript", 0.5), ("onnxruntime", 0.5), ("onnxruntime", 1.0)])
def test_backends_agree_with_eager(random_weights, backend, ratio):
    rng = np.random.default_rng(0)
    chunks = [rng.integers(0, 256, (2, 40, 72, 3), dtype=np.uint8) for _ in range(2)]
    eager = MattingSession("mobilenetv3", random_weights, device="cpu", downsample_ratio=ratio)
    other = MattingSession("mobilenetv3", random_weights, device="cpu", downsample_ratio=ratio, backend=backend)
    for chunk in chunks:
        expected, actual = eager.step(chunk), other.step(chunk)
        assert actual.pha.shape == expected.pha.shape == (2, 1, 40, 72)
        assert torch.allclose(actual.pha, expected.pha, atol=5e-4)
        assert (actual.fgr - expected.fgr).abs().mean() <= 1e-6


def test_unknown_backend_is_refused(random_weights):
    with pytest.raises(ValueError, match="unknown backend"):
        MattingSession("mobilenetv3", random_weights, device="cpu", backend="tensorflow")
