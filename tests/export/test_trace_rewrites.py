"""The trace-time rewrites: convolutions over concatenations become sums of convolutions, upsampled
concatenations become blockable parts, with the eager module's outputs."""
from __future__ import annotations

import io
from collections import Counter

import numpy as np
import onnx
import pytest
import torch
from torch import nn
from torch.nn import functional as F

from videomatte.export.onnx import quiet_exporter
from videomatte.export.runner import open_session
from videomatte.export.trace_rewrites import REWRITES, TraceRewrites


class _Decoderish(nn.Module):
    """The decoder's pattern: ``conv(cat([crop(up(cat([a, b]))), skip]))`` then BatchNorm."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(16 + 16 + 4, 8, 3, padding=1, bias=False)
        self.norm = nn.BatchNorm2d(8)
        self.conv2 = nn.Conv2d(8 + 4, 4, 1)
        with torch.no_grad():
            self.norm.running_mean.uniform_(-1, 1)
            self.norm.running_var.uniform_(0.5, 2)
            self.norm.weight.uniform_(0.5, 2)

    def forward(self, a: torch.Tensor, b: torch.Tensor, skip: torch.Tensor) -> torch.Tensor:
        up = F.interpolate(torch.cat([a, b], dim=1), scale_factor=2.0, mode="bilinear", align_corners=False)
        x = self.norm(self.conv(torch.cat([up[:, :, :9, :11], skip], dim=1)))
        return self.conv2(torch.cat([x, skip], dim=1))


def _export(module: nn.Module, inputs: tuple, rewrites: frozenset[str]) -> onnx.ModelProto:
    buffer = io.BytesIO()
    with quiet_exporter(), torch.no_grad(), TraceRewrites(rewrites):
        torch.onnx.export(module.eval(), inputs, buffer, opset_version=17, dynamo=False,
                          input_names=["a", "b", "skip"][: len(inputs)])
    return onnx.load_from_string(buffer.getvalue())


def _run(model: onnx.ModelProto, inputs: tuple) -> np.ndarray:
    session = open_session(model.SerializeToString())
    return session.run(None, {i.name: t.numpy() for i, t in zip(session.get_inputs(), inputs)})[0]


@pytest.fixture(scope="module")
def decoderish() -> tuple[nn.Module, tuple, np.ndarray]:
    torch.manual_seed(0)
    module = _Decoderish().eval()
    inputs = (torch.rand(1, 16, 5, 6), torch.rand(1, 16, 5, 6), torch.rand(1, 4, 9, 11))
    with torch.no_grad():
        return module, inputs, module(*inputs).numpy()


def test_without_rewrites_the_export_keeps_the_concatenations(decoderish):
    module, inputs, expected = decoderish
    model = _export(module, inputs, frozenset())
    ops = Counter(node.op_type for node in model.graph.node)
    assert ops["Concat"] == 3 and ops["Conv"] == 2 and ops["Resize"] == 1
    np.testing.assert_allclose(_run(model, inputs), expected, atol=1e-5)


def test_a_conv_over_a_concat_becomes_a_sum_of_convs_with_the_batch_norm_folded(decoderish):
    module, inputs, expected = decoderish
    model = _export(module, inputs, frozenset({"split_concat_convs"}))
    onnx.checker.check_model(model, full_check=True)
    ops = Counter(node.op_type for node in model.graph.node)
    # conv over [up(a,b) crop, skip] -> 2 convs; conv2 over [x, skip] -> 2 convs; the upsampled pair stays one
    assert ops["Conv"] == 4 and ops["Add"] == 2 and "BatchNormalization" not in ops
    assert ops["Concat"] == 1  # the concatenation of a and b, which the upsampling reads
    np.testing.assert_allclose(_run(model, inputs), expected, atol=1e-5)


def test_an_upsampled_concatenation_becomes_blockable_parts_with_the_same_output(decoderish):
    module, inputs, expected = decoderish
    model = _export(module, inputs, REWRITES)
    onnx.checker.check_model(model, full_check=True)
    ops = Counter(node.op_type for node in model.graph.node)
    resizes = [node for node in model.graph.node if node.op_type == "Resize"]
    assert len(resizes) == 2 and ops["Concat"] == 0 and ops["Slice"] == 2 * 2  # per part, one per cropped axis
    assert all(onnx.helper.get_attribute_value(a) == b"half_pixel" for node in resizes for a in node.attribute
               if a.name == "coordinate_transformation_mode")
    # an identity per upsampled part, then one convolution per part of each input
    assert ops["Conv"] == 2 + 3 + 2
    np.testing.assert_allclose(_run(model, inputs), expected, atol=1e-5)


def test_parts_that_are_not_whole_blocks_stay_one_upsampling():
    module = _Decoderish().eval()
    module.conv = nn.Conv2d(12 + 20 + 4, 8, 3, padding=1, bias=False)
    inputs = (torch.rand(1, 12, 5, 6), torch.rand(1, 20, 5, 6), torch.rand(1, 4, 9, 11))
    model = _export(module, inputs, REWRITES)
    assert Counter(node.op_type for node in model.graph.node)["Resize"] == 1
    with torch.no_grad():
        np.testing.assert_allclose(_run(model, inputs), module(*inputs).numpy(), atol=1e-5)


def test_unknown_rewrites_are_refused():
    with pytest.raises(ValueError, match="unknown trace rewrites.*'fold'"):
        TraceRewrites(frozenset({"fold"}))


def test_every_concat_read_by_an_ungrouped_conv_is_split(dynamic_onnx):
    """The decoder's and the refiner's; the refiner's depthwise box filter reads ``[rgb, gray]`` whole."""
    model = onnx.load(str(dynamic_onnx))
    producer = {name: node for node in model.graph.node for name in node.output}
    groups = {node.name: next((a.i for a in node.attribute if a.name == "group"), 1) for node in model.graph.node}
    convs_over_concat = [node.name for node in model.graph.node if node.op_type == "Conv" and groups[node.name] == 1
                         and producer.get(node.input[0]) is not None
                         and producer[node.input[0]].op_type == "Concat"]
    assert convs_over_concat == []
    summed = [node for node in model.graph.node if node.op_type == "Add"
              and all(producer.get(name) is not None and producer[name].op_type in ("Conv", "Add") for name in node.input)]
    assert len(summed) >= 20
