"""The refiner's upsampling as exported: same values as PyTorch's bilinear resize by size."""
from __future__ import annotations

import io

import numpy as np
import onnx
import pytest
import torch

from videomatte.export.runner import open_session
from videomatte.export.upsample import UpsampleLike, row_weights, upsample_parts


class _Up(torch.nn.Module):
    def forward(self, x: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
        return UpsampleLike.apply(x, like)


def _session():  # noqa: ANN202 - an onnxruntime session
    buffer = io.BytesIO()
    axes = {"x": {2: "h", 3: "w"}, "like": {2: "H", 3: "W"}}
    torch.onnx.export(_Up(), (torch.rand(1, 2, 3, 3), torch.rand(1, 1, 5, 5)), buffer, input_names=["x", "like"],
                      output_names=["y"], dynamic_axes=axes, opset_version=17, dynamo=False)
    return open_session(buffer.getvalue())


def test_upsampling_keeps_exact_ratios_exact_and_reaches_every_size():
    session = _session()
    rng = np.random.default_rng(0)
    # 270x480 -> 1080x1920 is the refiner at 1080p ratio 0.25: the scale 4 must stay exactly 4 (a grid
    # moved by 1e-4 px shows on sharp coefficients); 3 -> 5 and 7 -> 12 need a scale nudged up.
    for (h, w), (big_h, big_w) in [((270, 480), (1080, 1920)), ((3, 7), (5, 12)), ((5, 3), (7, 5))]:
        x = (rng.standard_normal((1, 2, h, w)) * 1000).astype(np.float32)
        like = np.zeros((1, 1, big_h, big_w), np.float32)
        (y,) = session.run(None, {"x": x, "like": like})
        expected = torch.nn.functional.interpolate(torch.from_numpy(x), size=(big_h, big_w), mode="bilinear",
                                                   align_corners=False).numpy()
        assert y.shape == expected.shape
        assert np.abs(y - expected).max() <= 1e-3 * (1 if (h, w) == (270, 480) else 5)


class _Parts(torch.nn.Module):
    def forward(self, low: torch.Tensor, like: torch.Tensor) -> list[torch.Tensor]:
        return upsample_parts(low, like, [3, 3, 1, 1], fixed_shapes=True)


def test_two_pass_upsampling_of_fixed_shapes_equals_bilinear_and_needs_no_split():
    low, like = torch.randn(1, 8, 10, 12) * 100, torch.zeros(1, 3, 40, 48)
    expected = torch.nn.functional.interpolate(low, size=(40, 48), mode="bilinear", align_corners=False)
    eager = _Parts()(low, like)
    torch.testing.assert_close(torch.cat(eager, dim=1), expected, rtol=0, atol=1e-4)

    buffer = io.BytesIO()
    torch.onnx.export(_Parts(), (low, like), buffer, input_names=["low", "like"], opset_version=17, dynamo=False)
    model = onnx.load_from_string(buffer.getvalue())
    ops = [node.op_type for node in model.graph.node]
    assert "Split" not in ops and ops.count("MatMul") == 4 and ops.count("Resize") == 1
    assert ops.count("Conv") == 1  # 8 planes of 10 rows regrouped as 16 of 5, entering the blocked layout
    session = open_session(buffer.getvalue())
    outputs = session.run(None, {"low": low.numpy()})  # only the size of `like` is used: a constant
    assert [o.shape for o in outputs] == [(1, 3, 40, 48), (1, 3, 40, 48), (1, 1, 40, 48), (1, 1, 40, 48)]
    np.testing.assert_allclose(np.concatenate(outputs, axis=1), expected.numpy(), rtol=0, atol=1e-4)


def test_sizes_that_are_not_whole_multiples_fall_back_to_one_resize():
    low, like = torch.randn(1, 8, 5, 7), torch.zeros(1, 3, 12, 15)
    parts = upsample_parts(low, like, [3, 3, 1, 1], fixed_shapes=True)
    expected = torch.nn.functional.interpolate(low, size=(12, 15), mode="bilinear", align_corners=False)
    torch.testing.assert_close(torch.cat(parts, dim=1), expected)


def test_row_weights_are_the_bilinear_weights_of_each_output_row_of_a_period():
    torch.testing.assert_close(row_weights(5, 10), torch.tensor([[0.25, 0.75, 0.0], [0.0, 0.75, 0.25]]))
    assert row_weights(7, 28)[0].tolist() == [0.375, 0.625, 0.0]
    quarters = row_weights(8, 30)  # 15/4, the automatic ratio's scale at 1080p: 15 rows from 4 (+2 halo)
    assert quarters.shape == (15, 6) and torch.allclose(quarters.sum(dim=1), torch.ones(15))
    assert row_weights(3, 8) is None or row_weights(3, 8).shape == (8, 5)
    assert row_weights(7, 5) is None and row_weights(5, 5 * 17) is None  # a downsampling; a long period


@pytest.mark.parametrize("size, big", [((8, 12), (30, 45)), ((6, 8), (15, 20)), ((4, 6), (30, 45)), ((6, 9), (16, 24))])
def test_rational_scales_take_the_two_pass_route_when_exact(size, big):
    low, like = torch.randn(1, 8, *size) * 100, torch.zeros(1, 3, *big)
    expected = torch.nn.functional.interpolate(low, size=big, mode="bilinear", align_corners=False)
    buffer = io.BytesIO()
    torch.onnx.export(_Parts(), (low, like), buffer, input_names=["low", "like"], opset_version=17, dynamo=False)
    ops = [node.op_type for node in onnx.load_from_string(buffer.getvalue()).graph.node]
    two_pass = big[1] / size[1] != 8 / 3  # 8/3 is not exact in float32: one Resize by runtime scales
    assert ("MatMul" in ops) == two_pass
    session = open_session(buffer.getvalue())
    feeds = {"low": low.numpy(), "like": like.numpy()}  # the fallback reads the size of `like` at runtime
    outputs = session.run(None, {i.name: feeds[i.name] for i in session.get_inputs()})
    np.testing.assert_allclose(np.concatenate(outputs, axis=1), expected.numpy(), rtol=0, atol=2e-3)
