"""Graph rewrite that lets onnxruntime run the decoder's x2 upsamplings in its blocked (NCHWc) layout.

onnxruntime's CPU provider runs convolutions on channel-blocked tensors and converts back to plain
NCHW around operators it cannot run blocked. A bilinear ``Resize`` stays blocked only when its input
is already blocked, its scales are constant integers, and its coordinates are ``half_pixel``
(``pytorch_half_pixel`` differs only for outputs of size 1, and is switched). Each decoder block
upsamples the concatenation of two halves (the pass-through features and the ConvGRU state), neither
of which comes straight from a convolution, so the upsampling ran in NCHW (the most expensive
non-convolution node at 512x288) and its output was then reordered for the next convolution.

``block_upsamplings`` (static shapes only) rewrites ``Resize(Concat(a, b))`` into
``Concat(Resize(id(a)), Resize(id(b)))`` in ``half_pixel`` mode, where ``id`` is an exact identity
(a depthwise 1x1 convolution with weight 1) that enters the blocked layout, moves crops (``Slice`` of
the spatial axes) below the concatenation, and flattens nested concatenations, so that
``split_concat_convs`` then gives each upsampled half its own convolution. Values are unchanged.
"""
from __future__ import annotations

import copy
from typing import Optional

import numpy as np
import onnx
from onnx import helper, numpy_helper

from videomatte.export.onnx_graph import attributes, constants, live_nodes, replace_nodes, static_shapes, use_counts

BLOCK = 8  # channel multiple of each upsampled part (onnxruntime pads blocked tensors to 8 or 16)
# Equal for outputs larger than one pixel, which a whole-number scale of 2 or more guarantees.
_HALF_PIXEL = ("half_pixel", "pytorch_half_pixel")


def block_upsamplings(model: onnx.ModelProto) -> onnx.ModelProto:
    """A copy of the static-shape ``model`` with its integer-scale bilinear upsamplings made blockable."""
    model = copy.deepcopy(model)
    inferred = onnx.shape_inference.infer_shapes(model)
    shapes = static_shapes(inferred)
    dtypes = {info.name: helper.tensor_dtype_to_np_dtype(info.type.tensor_type.elem_type)
              for info in [*inferred.graph.input, *inferred.graph.value_info] if info.type.tensor_type.elem_type}
    consts = constants(model.graph)
    producer = {name: node for node in model.graph.node for name in node.output}
    nodes = []
    for node in model.graph.node:
        parts = _blockable_parts(node, consts, shapes, producer)
        nodes.extend([node] if parts is None else _blocked(node, parts, shapes, dtypes, model.graph))
    replace_nodes(model.graph, nodes)
    replace_nodes(model.graph, _slices_below_concats(model.graph))
    replace_nodes(model.graph, _flattened_concats(model.graph))
    replace_nodes(model.graph, live_nodes(list(model.graph.node), {o.name for o in model.graph.output}))
    return model


def _blockable_parts(node: onnx.NodeProto, consts: dict, shapes: dict, producer: dict) -> Optional[list[str]]:
    """The channel parts of a bilinear, half-pixel ``Resize`` by constant whole-number spatial
    scales of a rank-4 tensor: the inputs of the ``Concat`` it reads, or its own input; ``None`` if the
    node does not qualify or a part's channel count is not a multiple of ``BLOCK``."""
    if node.op_type != "Resize" or len(node.input) < 3 or node.input[2] not in consts:
        return None
    attrs = attributes(node)
    if attrs.get("mode") != "linear" or attrs.get("coordinate_transformation_mode") not in _HALF_PIXEL:
        return None
    scales = consts[node.input[2]]
    if scales.shape != (4,) or list(scales[:2]) != [1, 1] or any(s < 2 or s != int(s) for s in scales[2:]):
        return None
    source = producer.get(node.input[0])
    parts = list(source.input) if source is not None and source.op_type == "Concat" and attributes(source).get("axis") == 1 \
        else [node.input[0]]
    if not all(name in shapes and len(shapes[name]) == 4 and shapes[name][1] % BLOCK == 0 for name in parts):
        return None
    return parts


def _blocked(node: onnx.NodeProto, parts: list[str], shapes: dict, dtypes: dict, graph: onnx.GraphProto
             ) -> list[onnx.NodeProto]:
    """Identity, half-pixel ``Resize`` per part and their ``Concat`` in place of ``node``."""
    attrs = {**attributes(node), "coordinate_transformation_mode": "half_pixel"}
    nodes, outputs = [], []
    name = node.name or node.output[0]
    for k, part in enumerate(parts):
        channels = shapes[part][1]
        identity = f"{name}.identity{channels}"
        if identity not in {init.name for init in graph.initializer}:
            ones = np.ones((channels, 1, 1, 1), dtypes.get(part, np.float32))  # float16 in half-precision exports
            graph.initializer.append(numpy_helper.from_array(ones, identity))
        entered, resized = f"{node.output[0]}.blocked{k}", f"{node.output[0]}.part{k}"
        nodes.append(helper.make_node("Conv", [part, identity], [entered], name=f"{name}.enter{k}",
                                      group=channels, kernel_shape=[1, 1]))
        nodes.append(helper.make_node("Resize", [entered, *node.input[1:]], [resized], name=f"{name}.part{k}", **attrs))
        outputs.append(resized)
    nodes.append(helper.make_node("Concat", outputs, [node.output[0]], name=f"{name}.concat", axis=1))
    return nodes


def _slices_below_concats(graph: onnx.GraphProto) -> list[onnx.NodeProto]:
    """``Slice(Concat(x, y))`` over spatial axes only becomes ``Concat(Slice(x), Slice(y))``."""
    consts, uses = constants(graph), use_counts(graph)
    producer = {name: node for node in graph.node for name in node.output}
    nodes, moved = [], set()
    for node in graph.node:
        concat = producer.get(node.input[0]) if node.op_type == "Slice" else None
        axes = consts.get(node.input[3]) if len(node.input) > 3 else None
        if (concat is None or concat.op_type != "Concat" or attributes(concat).get("axis") != 1
                or uses[concat.output[0]] != 1 or axes is None or not all(int(a) in (2, 3, -1, -2) for a in axes)):
            nodes.append(node)
            continue
        sliced = []
        for k, part in enumerate(concat.input):
            sliced.append(f"{node.output[0]}.part{k}")
            nodes.append(helper.make_node("Slice", [part, *node.input[1:]], [sliced[-1]],
                                          name=f"{node.name or node.output[0]}.part{k}"))
        nodes.append(helper.make_node("Concat", sliced, [node.output[0]], name=f"{node.name or node.output[0]}.concat",
                                      axis=1))
        moved.add(concat.output[0])
    return [node for node in nodes if not (node.op_type == "Concat" and node.output[0] in moved)]


def _flattened_concats(graph: onnx.GraphProto) -> list[onnx.NodeProto]:
    """A channel ``Concat`` that reads another one, used only there, takes its inputs directly."""
    uses = use_counts(graph)
    producer = {name: node for node in graph.node for name in node.output}
    inlined = set()
    for node in graph.node:
        if node.op_type != "Concat" or attributes(node).get("axis") != 1:
            continue
        flat = []
        for name in node.input:
            inner = producer.get(name)
            if inner is not None and inner.op_type == "Concat" and attributes(inner).get("axis") == 1 and uses[name] == 1:
                flat.extend(inner.input)
                inlined.add(name)
            else:
                flat.append(name)
        del node.input[:]
        node.input.extend(flat)
    return [node for node in graph.node if not (node.op_type == "Concat" and node.output[0] in inlined)]
