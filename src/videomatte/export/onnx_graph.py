"""Graph clean-up for static-shape ONNX exports: shapes become constants, shape arithmetic disappears.

With every input shape fixed, each ``Shape`` node is a constant, and so is the integer arithmetic
(``Gather``, ``Concat``, ``Slice`` ...) computed from it. ``fold_static_shapes`` evaluates those with
onnx's reference runtime, drops crops that keep the whole tensor, and removes what became unused:
the result holds only standard operators with constant shape inputs, which TensorRT needs.
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


def _evaluate(node: onnx.NodeProto, inputs: list[np.ndarray], opsets: list) -> list[np.ndarray]:
    from onnx.reference import ReferenceEvaluator

    names = [name for name in node.input if name]
    graph = helper.make_graph(
        [node], "fold",
        [helper.make_tensor_value_info(n, helper.np_dtype_to_tensor_dtype(v.dtype), v.shape) for n, v in zip(names, inputs)],
        [helper.make_empty_tensor_value_info(n) for n in node.output],
    )
    model = helper.make_model(graph, opset_imports=opsets)
    return ReferenceEvaluator(model).run(None, dict(zip(names, inputs)))


def _is_identity_slice(node: onnx.NodeProto, consts: dict, shapes: dict) -> bool:
    if node.op_type != "Slice" or node.input[0] not in shapes or node.output[0] not in shapes:
        return False
    if shapes[node.input[0]] != shapes[node.output[0]] or node.input[1] not in consts:
        return False
    steps = consts.get(node.input[4]) if len(node.input) > 4 and node.input[4] else None
    return bool(np.all(consts[node.input[1]] == 0)) and (steps is None or bool(np.all(steps == 1)))


def fold_static_shapes(model: onnx.ModelProto) -> onnx.ModelProto:
    """A copy of ``model`` (all input shapes fixed) with shape arithmetic folded into constants."""
    model = onnx.shape_inference.infer_shapes(model, strict_mode=True, data_prop=True)
    graph, shapes = model.graph, static_shapes(model)
    consts = {init.name: numpy_helper.to_array(init) for init in graph.initializer}
    graph_outputs = {o.name for o in graph.output}
    alias: dict[str, str] = {}
    kept = []
    for node in graph.node:
        node.input[:] = [alias.get(name, name) for name in node.input]
        if node.op_type == "Shape" and node.input[0] in shapes:
            dims = np.array(shapes[node.input[0]], dtype=np.int64)
            attrs = {a.name: a.i for a in node.attribute}
            consts[node.output[0]] = dims[attrs.get("start", 0): attrs.get("end", len(dims))]
            continue
        has_subgraph = any(a.type == onnx.AttributeProto.GRAPH for a in node.attribute)
        if all(name in consts for name in node.input if name) and not has_subgraph:
            values = _evaluate(node, [consts[n] for n in node.input if n], list(model.opset_import))
            if all(np.asarray(v).size <= MAX_FOLDED_ELEMENTS for v in values):
                consts.update({name: np.asarray(v) for name, v in zip(node.output, values)})
                continue
        if _is_identity_slice(node, consts, shapes) and node.output[0] not in graph_outputs:
            alias[node.output[0]] = node.input[0]
            continue
        kept.append(node)
    return _rebuild(model, kept, consts, graph_outputs)


def _rebuild(model: onnx.ModelProto, nodes: list[onnx.NodeProto], consts: dict, graph_outputs: set[str]
             ) -> onnx.ModelProto:
    """Keep the nodes that lead to a graph output and the constants they read, as initializers."""
    live = live_nodes(nodes, graph_outputs)
    needed = {name for node in live for name in node.input if name}
    graph = model.graph
    initializers = [numpy_helper.from_array(np.asarray(consts[name]), name) for name in sorted(needed) if name in consts]
    new_graph = helper.make_graph(live, graph.name, list(graph.input), list(graph.output), initializers)
    folded = helper.make_model(new_graph, opset_imports=list(model.opset_import), producer_name=model.producer_name,
                               producer_version=model.producer_version, ir_version=model.ir_version)
    folded.metadata_props.extend(model.metadata_props)
    return onnx.shape_inference.infer_shapes(folded, strict_mode=True)
