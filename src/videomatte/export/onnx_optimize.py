"""Graph rewrites that make exported ONNX files faster in onnxruntime on the CPU, with the same math.

``split_concat_convs``: a convolution over a channel concatenation, ``Conv(Concat(a, b, c))``, equals
the sum of convolutions over the parts, ``Conv_a(a) + Conv_b(b) + Conv_c(c)``, each with its slice of
the weights. The concatenation (a full copy of its inputs) disappears, and the parts whose channel
count is a multiple of onnxruntime's NCHWc block run in the blocked layout instead of falling back to
im2col. RVM's decoder concatenates the upsampled features, the encoder skip and the image at every
scale, and its ConvGRUs concatenate input and state, so most of its convolutions qualify. Only the
summation order changes (differences of a few 1e-8).

``fuse_normalization``: the backbone's ``(x - mean) / std`` becomes one ``BatchNormalization``.
"""
from __future__ import annotations

import copy

import numpy as np
import onnx
from onnx import helper, numpy_helper

from videomatte.export.onnx_graph import constants, drop_unused_initializers, replace_nodes, use_counts

# Shapes used to learn every tensor's channel count from a folded copy of a dynamic-shape graph.
_PROBE_SRC = (1, 3, 64, 96)
_PROBE_RATIO = 0.5


def channel_counts(model: onnx.ModelProto) -> dict[str, int]:
    """Channel count (axis 1) of every rank-4 value of ``model``, dynamic shapes included.

    Values whose shape the probe cannot fix are left out. A copy of the graph gets fixed probe shapes (a 64x96 frame, ``[1, 1, 1, 1]`` states, ratio 0.5 when
    the ratio is an input) and has its shapes folded; channel counts do not depend on the probe size.
    """
    from videomatte.export.onnx_graph import fold_static_shapes, static_shapes

    probe = copy.deepcopy(model)
    for value in probe.graph.input:
        dims = value.type.tensor_type.shape.dim
        sizes = _PROBE_SRC if value.name == "src" else (1,) * len(dims)
        for dim, size in zip(dims, sizes):
            if not dim.HasField("dim_value"):
                dim.dim_value = size
    ratio = [value for value in probe.graph.input if value.name == "downsample_ratio"]
    if ratio:
        probe.graph.input.remove(ratio[0])
        probe.graph.initializer.append(numpy_helper.from_array(np.array([_PROBE_RATIO], np.float32),
                                                               "downsample_ratio"))
    try:
        folded = fold_static_shapes(probe)
    except Exception:  # noqa: BLE001 - an optimisation only: a graph whose shapes cannot be probed stays as it is
        return {}
    return {name: shape[1] for name, shape in static_shapes(folded).items() if len(shape) == 4}


def split_concat_convs(model: onnx.ModelProto) -> onnx.ModelProto:
    """A copy of ``model`` in which each ungrouped ``Conv`` over a channel ``Concat`` with constant
    weights becomes one ``Conv`` per concatenated input, summed with ``Add`` (the bias goes to the first)."""
    model = copy.deepcopy(model)
    graph = model.graph
    weights = {init.name: init for init in graph.initializer}
    producer = {name: node for node in graph.node for name in node.output}
    uses = use_counts(graph)
    channels = channel_counts(model)
    nodes, dropped = [], set()
    for node in graph.node:
        concat = producer.get(node.input[0]) if node.op_type == "Conv" else None
        if concat is None or not _splittable(node, concat, weights, channels):
            nodes.append(node)
            continue
        sizes = _part_channels(list(concat.input), channels, weights[node.input[1]].dims[1])
        parts = _split(node, list(concat.input), sizes, numpy_helper.to_array(weights[node.input[1]]), graph)
        nodes.extend(parts)
        if uses[concat.output[0]] == 1:
            dropped.add(concat.output[0])
    replace_nodes(graph, [node for node in nodes if not (node.op_type == "Concat" and node.output[0] in dropped)])
    drop_unused_initializers(graph)
    return model


def _part_channels(parts: list[str], channels: dict[str, int], total: int) -> list[int]:
    """Channel counts of ``parts``; one unknown count is what the weights leave for it."""
    known = sum(channels.get(name, 0) for name in parts)
    return [channels.get(name, total - known) for name in parts]


def _splittable(conv: onnx.NodeProto, concat: onnx.NodeProto, weights: dict, channels: dict[str, int]) -> bool:
    attrs = {a.name: helper.get_attribute_value(a) for a in concat.attribute}
    group = next((helper.get_attribute_value(a) for a in conv.attribute if a.name == "group"), 1)
    if concat.op_type != "Concat" or attrs.get("axis") != 1 or group != 1 or conv.input[1] not in weights:
        return False
    if sum(name not in channels for name in concat.input) > 1:
        return False
    sizes = _part_channels(list(concat.input), channels, weights[conv.input[1]].dims[1])
    return min(sizes) > 0 and sum(sizes) == weights[conv.input[1]].dims[1]


def _split(conv: onnx.NodeProto, parts: list[str], sizes: list[int], weight: np.ndarray,
           graph: onnx.GraphProto) -> list[onnx.NodeProto]:
    """The convolutions over ``parts`` and the additions that sum them into ``conv``'s output."""
    attrs = {a.name: helper.get_attribute_value(a) for a in conv.attribute}
    bias = [conv.input[2]] if len(conv.input) > 2 and conv.input[2] else []
    out = conv.output[0]
    nodes, partials, start = [], [], 0
    for k, (name, size) in enumerate(zip(parts, sizes)):
        weight_name = f"{conv.input[1]}.part{k}"
        graph.initializer.append(numpy_helper.from_array(np.ascontiguousarray(weight[:, start:start + size]),
                                                         weight_name))
        start += size
        partials.append(f"{out}.part{k}")
        nodes.append(helper.make_node("Conv", [name, weight_name, *(bias if k == 0 else [])], [partials[-1]],
                                      name=f"{conv.name}.part{k}", **attrs))
    total = partials[0]
    for k, partial in enumerate(partials[1:], 1):
        summed = out if k == len(partials) - 1 else f"{out}.sum{k}"
        nodes.append(helper.make_node("Add", [total, partial], [summed], name=f"{conv.name}.sum{k}"))
        total = summed
    return nodes



def fuse_normalization(model: onnx.ModelProto) -> onnx.ModelProto:
    """A copy of ``model`` in which ``(x - mean) / std`` with per-channel constants ``[1, C, 1, 1]`` (the
    backbone's ImageNet normalisation) is one ``BatchNormalization`` (scale ``1/std``, shift ``-mean/std``)
    instead of two broadcasting passes; differences of float rounding only."""
    model = copy.deepcopy(model)
    graph = model.graph
    consts = constants(graph)
    readers: dict[str, list[onnx.NodeProto]] = {}
    for node in graph.node:
        for name in node.input:
            readers.setdefault(name, []).append(node)
    replaced: dict[str, onnx.NodeProto] = {}
    for sub in graph.node:
        div = readers.get(sub.output[0], [None])[0] if sub.op_type == "Sub" else None
        if div is None or div.op_type != "Div" or len(readers[sub.output[0]]) != 1 or div.input[0] != sub.output[0]:
            continue
        mean, std = consts.get(sub.input[1]), consts.get(div.input[1])
        if mean is None or std is None or mean.ndim != 4 or mean.shape != std.shape or mean.shape[::2] != (1, 1):
            continue
        dtype = mean.dtype  # float16 in half-precision exports
        mean, std = mean.reshape(-1).astype(np.float64), std.reshape(-1).astype(np.float64)
        prefix = sub.name or sub.output[0]
        params = {"scale": 1.0 / std, "shift": -mean / std, "mean": np.zeros_like(mean), "var": np.ones_like(mean)}
        for key, value in params.items():
            graph.initializer.append(numpy_helper.from_array(value.astype(dtype), f"{prefix}.{key}"))
        replaced[sub.output[0]] = helper.make_node(
            "BatchNormalization", [sub.input[0], *(f"{prefix}.{key}" for key in params)], [div.output[0]],
            name=f"{prefix}.normalize", epsilon=0.0)
    nodes = []
    for node in graph.node:
        if node.op_type == "Sub" and node.output[0] in replaced:
            nodes.append(replaced[node.output[0]])
        elif not (node.op_type == "Div" and node.input[0] in replaced):
            nodes.append(node)
    replace_nodes(graph, nodes)
    drop_unused_initializers(graph)
    return model
