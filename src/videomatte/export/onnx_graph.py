"""ONNX graph helpers of the export rewrites, and the clean-up of static-shape exports.

With every input shape fixed, each ``Shape`` node is a constant, and so is the integer arithmetic
(``Gather``, ``Concat``, ``Slice`` ...) computed from it. ``fold_static_shapes`` leaves folding those,
dropping crops that keep the whole tensor and removing what became unused to a maintained tool,
``onnxslim``: the result holds only standard operators with constant shape inputs, which TensorRT needs.
"""
from __future__ import annotations

import numpy as np
import onnx
from onnx import helper, numpy_helper

MAX_FOLDED_ELEMENTS = 1 << 20  # never bake a large tensor into the file


def static_shapes(model: onnx.ModelProto) -> dict[str, tuple[int, ...]]:
    """Names of the graph's values whose shapes are fully known, with their shapes."""
    graph = model.graph
    shapes = {}
    for info in [*graph.input, *graph.value_info, *graph.output]:
        dims = info.type.tensor_type.shape.dim
        if info.type.tensor_type.HasField("shape") and all(d.HasField("dim_value") for d in dims):
            shapes[info.name] = tuple(d.dim_value for d in dims)
    return shapes


def dynamic_dims(model: onnx.ModelProto) -> list[str]:
    """``"name[axis]"`` for every graph input or output dimension that is not a fixed number."""
    found = []
    for info in [*model.graph.input, *model.graph.output]:
        for axis, dim in enumerate(info.type.tensor_type.shape.dim):
            if not dim.HasField("dim_value"):
                found.append(f"{info.name}[{axis}]")
    return found


def constants(graph: onnx.GraphProto) -> dict[str, np.ndarray]:
    """The values of the graph's initializers and ``Constant`` nodes, by name."""
    consts = {init.name: numpy_helper.to_array(init) for init in graph.initializer}
    for node in graph.node:
        if node.op_type == "Constant" and node.attribute[0].name == "value":
            consts[node.output[0]] = numpy_helper.to_array(node.attribute[0].t)
    return consts


def attributes(node: onnx.NodeProto) -> dict:
    """A node's attributes by name, strings decoded."""
    values = {a.name: helper.get_attribute_value(a) for a in node.attribute}
    return {name: value.decode() if isinstance(value, bytes) else value for name, value in values.items()}


def use_counts(graph: onnx.GraphProto) -> dict[str, int]:
    """How many node inputs and graph outputs read each value."""
    uses: dict[str, int] = {}
    for name in [*(name for node in graph.node for name in node.input), *(o.name for o in graph.output)]:
        uses[name] = uses.get(name, 0) + 1
    return uses


def live_nodes(nodes: list[onnx.NodeProto], outputs: set[str]) -> list[onnx.NodeProto]:
    """The ``nodes`` (in topological order) that lead to one of ``outputs``, in the same order."""
    needed = set(outputs)
    live = []
    for node in reversed(nodes):
        if any(name in needed for name in node.output):
            live.append(node)
            needed.update(name for name in node.input if name)
    return live[::-1]


def replace_nodes(graph: onnx.GraphProto, nodes: list[onnx.NodeProto]) -> None:
    """Make ``nodes`` the graph's nodes."""
    kept = list(nodes)
    del graph.node[:]
    graph.node.extend(kept)


def drop_unused_initializers(graph: onnx.GraphProto) -> None:
    """Remove the initializers that no node reads."""
    used = {name for node in graph.node for name in node.input}
    initializers = [init for init in graph.initializer if init.name in used]
    del graph.initializer[:]
    graph.initializer.extend(initializers)


def fold_static_shapes(model: onnx.ModelProto) -> onnx.ModelProto:
    """A copy of ``model`` (all input shapes fixed) with shape arithmetic folded into constants and dead
    nodes removed, by ``onnxslim`` (constant folding, shape-driven eliminations and the standard
    Conv/BatchNorm fusions; tensors over ``MAX_FOLDED_ELEMENTS`` float32 elements stay computed), then
    onnx's strict shape inference so that every value has its static shape."""
    import onnxslim

    slim = onnxslim.slim(model, size_threshold=4 * MAX_FOLDED_ELEMENTS)
    return onnx.shape_inference.infer_shapes(slim, strict_mode=True)
