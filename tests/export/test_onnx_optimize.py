"""The CPU graph rewrites: convolutions over concatenations become sums of convolutions, same outputs."""
from __future__ import annotations

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from videomatte.export.runner import open_session
from videomatte.export.onnx_optimize import split_concat_convs


def _run(model: onnx.ModelProto, feeds: dict) -> np.ndarray:
    session = open_session(model.SerializeToString())
    return session.run(None, feeds)[0]


def test_a_conv_over_a_concat_becomes_a_sum_of_convs_with_the_same_output():
    rng = np.random.default_rng(0)
    weight = numpy_helper.from_array(rng.standard_normal((8, 7, 3, 3)).astype(np.float32), "w")
    bias = numpy_helper.from_array(rng.standard_normal(8).astype(np.float32), "b")
    graph = helper.make_graph(
        [helper.make_node("Concat", ["src", "skip"], ["cat"], axis=1),
         helper.make_node("Conv", ["cat", "w", "b"], ["out"], pads=[1, 1, 1, 1])],
        "g", [helper.make_tensor_value_info("src", TensorProto.FLOAT, [1, 3, 9, 11]),
              helper.make_tensor_value_info("skip", TensorProto.FLOAT, [1, 4, 9, 11])],
        [helper.make_tensor_value_info("out", TensorProto.FLOAT, [1, 8, 9, 11])], [weight, bias])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8)
    feeds = {"src": rng.random((1, 3, 9, 11), np.float32), "skip": rng.random((1, 4, 9, 11), np.float32)}

    split = split_concat_convs(model)
    onnx.checker.check_model(split, full_check=True)
    ops = [node.op_type for node in split.graph.node]
    assert ops.count("Concat") == 0 and ops.count("Conv") == 2 and ops.count("Add") == 1
    np.testing.assert_allclose(_run(split, feeds), _run(model, feeds), atol=1e-5)


def test_every_decoder_concat_of_an_export_is_split(dynamic_onnx):
    model = onnx.load(str(dynamic_onnx))
    producer = {name: node for node in model.graph.node for name in node.output}
    convs_over_concat = [node.name for node in model.graph.node if node.op_type == "Conv"
                         and node.name.startswith("/decoder/")
                         and producer.get(node.input[0]) is not None
                         and producer[node.input[0]].op_type == "Concat"]
    assert convs_over_concat == []
    assert sum(".part" in node.name for node in model.graph.node if node.op_type == "Conv") >= 20


def test_an_upsampled_concatenation_becomes_blockable_parts_with_the_same_output():
    from videomatte.export.onnx_blocked import block_upsamplings

    rng = np.random.default_rng(1)
    # Resize(Concat(a, b)) cropped by a Slice, then concatenated with a skip: the decoder's pattern.
    consts = [numpy_helper.from_array(np.array([1, 1, 2, 2], np.float32), "scales"),
              numpy_helper.from_array(np.array([0, 0], np.int64), "starts"),
              numpy_helper.from_array(np.array([9, 11], np.int64), "ends"),
              numpy_helper.from_array(np.array([2, 3], np.int64), "axes"),
              numpy_helper.from_array(rng.standard_normal((8, 36, 3, 3)).astype(np.float32), "w")]
    graph = helper.make_graph(
        [helper.make_node("Concat", ["a", "b"], ["ab"], axis=1),
         helper.make_node("Resize", ["ab", "", "scales"], ["up"], mode="linear",
                          coordinate_transformation_mode="pytorch_half_pixel"),
         helper.make_node("Slice", ["up", "starts", "ends", "axes"], ["crop"]),
         helper.make_node("Concat", ["crop", "skip"], ["cat"], axis=1),
         helper.make_node("Conv", ["cat", "w"], ["out"], pads=[1, 1, 1, 1])],
        "g", [helper.make_tensor_value_info("a", TensorProto.FLOAT, [1, 16, 5, 6]),
              helper.make_tensor_value_info("b", TensorProto.FLOAT, [1, 16, 5, 6]),
              helper.make_tensor_value_info("skip", TensorProto.FLOAT, [1, 4, 9, 11])],
        [helper.make_tensor_value_info("out", TensorProto.FLOAT, [1, 8, 9, 11])], consts)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8)
    feeds = {"a": rng.random((1, 16, 5, 6), np.float32), "b": rng.random((1, 16, 5, 6), np.float32),
             "skip": rng.random((1, 4, 9, 11), np.float32)}

    blocked = split_concat_convs(block_upsamplings(model))
    onnx.checker.check_model(blocked, full_check=True)
    ops = [node.op_type for node in blocked.graph.node]
    resizes = [node for node in blocked.graph.node if node.op_type == "Resize"]
    assert len(resizes) == 2 and ops.count("Concat") == 0 and ops.count("Slice") == 2
    assert all(helper.get_attribute_value(a) == b"half_pixel" for node in resizes for a in node.attribute
               if a.name == "coordinate_transformation_mode")
    assert ops.count("Conv") == 2 + 3  # an identity per part, then one convolution per part of the input
    np.testing.assert_allclose(_run(blocked, feeds), _run(model, feeds), atol=1e-5)


def test_a_per_channel_normalisation_becomes_one_batch_normalization():
    from videomatte.export.onnx_optimize import fuse_normalization

    mean = numpy_helper.from_array(np.array([0.485, 0.456, 0.406], np.float32).reshape(1, 3, 1, 1), "mean")
    std = numpy_helper.from_array(np.array([0.229, 0.224, 0.225], np.float32).reshape(1, 3, 1, 1), "std")
    graph = helper.make_graph(
        [helper.make_node("Sub", ["x", "mean"], ["centred"]), helper.make_node("Div", ["centred", "std"], ["out"])],
        "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 4, 5])],
        [helper.make_tensor_value_info("out", TensorProto.FLOAT, [1, 3, 4, 5])], [mean, std])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8)
    feeds = {"x": np.random.default_rng(2).random((1, 3, 4, 5), np.float32)}

    fused = fuse_normalization(model)
    onnx.checker.check_model(fused, full_check=True)
    assert [node.op_type for node in fused.graph.node] == ["BatchNormalization"]
    assert {init.name for init in fused.graph.initializer}.isdisjoint({"mean", "std"})
    np.testing.assert_allclose(_run(fused, feeds), _run(model, feeds), rtol=1e-6, atol=1e-6)
