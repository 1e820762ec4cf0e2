"""Cut a static matting graph in two at the boundary of named modules, so that each part can run in
its own precision (``videomatte.inference.openvino_runner``: the backbone in float32, the rest in bf16).

The *head* is every node whose name starts with one of the module prefixes (the exporter names nodes
after the module path, e.g. ``/backbone/features.3/...``) plus everything those nodes need; the
*tail* is the rest, fed with the graph's inputs and the tensors the head hands over::

    head: the graph inputs the head reads              -> cut tensors (any graph output it makes among them)
    tail: the graph inputs + the cut tensors           -> the graph's other outputs
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class GraphSplit:
    """The two serialized ONNX graphs of a cut.

    Attributes:
        head, tail: serialized ``onnx.ModelProto`` of each part.
        head_inputs: the graph inputs the head reads (e.g. ``("src",)``).
        cut: names of the tensors the head hands to the tail.
    """

    head: bytes
    tail: bytes
    head_inputs: tuple[str, ...]
    cut: tuple[str, ...]


def split_graph(model: bytes, prefixes: tuple[str, ...]) -> GraphSplit:
    """Cut the serialized ONNX ``model`` after the modules named by ``prefixes`` (e.g. ``("/backbone/",)``).

    Raises:
        ValueError: no node matches the prefixes.
    """
    import onnx
    from onnx.utils import Extractor

    proto = onnx.load_from_string(model)
    graph = proto.graph
    producer = {out: node for node in graph.node for out in node.output}
    head = _ancestors([n for n in graph.node if n.name.startswith(prefixes)], producer)
    if not head:
        raise ValueError(f"no node of the graph is named after {', '.join(prefixes)}")
    cut: list[str] = []
    for node in graph.node:
        if id(node) not in head:
            cut += [t for t in node.input if t in producer and id(producer[t]) in head and t not in cut]
    # a graph output made in the head (the front stage's src_sm) is handed over and not made again
    cut += [o.name for o in graph.output if id(producer[o.name]) in head and o.name not in cut]
    read = {t for node in graph.node if id(node) in head for t in node.input}
    head_inputs = tuple(i.name for i in graph.input if i.name in read)
    extractor = Extractor(proto)
    head_model = extractor.extract_model(list(head_inputs), cut)
    tail_outputs = [o.name for o in graph.output if o.name not in cut]
    tail_model = extractor.extract_model([i.name for i in graph.input] + cut, tail_outputs)
    return GraphSplit(head_model.SerializeToString(), tail_model.SerializeToString(), head_inputs, tuple(cut))


def _ancestors(seeds: list, producer: dict) -> set[int]:
    """``id`` of every node in ``seeds`` and of every node they depend on."""
    seen: set[int] = set()
    stack = list(seeds)
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        stack += [producer[t] for t in node.input if t in producer]
    return seen
