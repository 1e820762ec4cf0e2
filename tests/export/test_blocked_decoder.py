"""The export-only restatement of the decoder computes what the decoder computes."""
from __future__ import annotations

import pytest
import torch

from videomatte.export.blocked_decoder import BlockedDecoder


@pytest.mark.parametrize("size,fixed_shapes", [((64, 96), True), ((45, 61), False), ((45, 61), True)])
def test_blocked_decoder_equals_the_decoder(tiny_net, size, fixed_shapes):
    torch.manual_seed(1)
    src = torch.rand(1, 3, *size)
    blocked = BlockedDecoder(tiny_net.decoder, fixed_shapes).eval()
    with torch.no_grad():
        *features, f4 = tiny_net.backbone(src)
        f4 = tiny_net.aspp(f4)
        _, *states = tiny_net.decoder(src, *features, f4, None, None, None, None, 1)  # a non-zero state
        for rec in ([torch.zeros_like(s) for s in states], states):
            expected = tiny_net.decoder(src * 0.8, *features, f4, *rec, 1)
            actual = blocked(src * 0.8, *features, f4, *rec)
            for a, b in zip(actual, expected):
                assert a.shape == b.shape
                torch.testing.assert_close(a, b, rtol=0, atol=2e-5)
