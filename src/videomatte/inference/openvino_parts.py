"""One compiled OpenVINO graph and its infer request (``CompiledPart``), the pieces of ``OpenVinoRunner``.

Two things keep copies out of a frame's path (at 1080p each full-resolution copy costs milliseconds,
next to a network of about 80 ms on one core):

- ``uint8=True`` compiles the graph to take the decoded picture as it is, ``uint8 [1, H, W, 3]`` RGB,
  and convert it inside the compiled model, each reader of ``src`` reading only what it needs
  (``openvino_pictures``), instead of the caller making a float copy first.
- Every output is written straight into a new numpy array handed to the request before the call, so
  nothing is copied out of OpenVINO's buffers and no later frame overwrites what a caller kept.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from videomatte.inference.openvino_pictures import SOURCE, takes_pictures

_CORE: list[Any] = []


def core() -> Any:
    """One ``openvino.Core`` per process (it holds the loaded plugins), caching compiled models beside
    the graphs so that a later process opens them without compiling."""
    if not _CORE:
        import openvino as ov

        from videomatte.inference.graph_cache import MAX_CACHE_BYTES, graphs_dir, prune

        opened = ov.Core()
        folder = graphs_dir() / "openvino"
        try:
            folder.mkdir(parents=True, exist_ok=True)
            prune(folder, MAX_CACHE_BYTES // 2, "*.blob")
            opened.set_property({"CACHE_DIR": str(folder)})
        except OSError:
            pass
        _CORE.append(opened)
    return _CORE[0]


def compile_graph(graph: bytes, precision: str, threads: int, uint8: bool = False) -> Any:
    """A compiled model of the serialized ONNX ``graph``: ``precision`` ``f32`` or ``bf16``, ``threads``
    inference threads (0: OpenVINO's default), one stream, latency first;
    ``uint8``: see ``openvino_pictures.takes_pictures``."""
    model = core().read_model(graph)
    if uint8:
        model = takes_pictures(model)
    config = {"INFERENCE_PRECISION_HINT": precision, "NUM_STREAMS": 1, "PERFORMANCE_HINT": "LATENCY"}
    if threads:
        config["INFERENCE_NUM_THREADS"] = threads
    return core().compile_model(model, "CPU", config)


class CompiledPart:
    """One compiled graph with its request; ``run(feed)`` -> its outputs by name, each in a new array.

    Args:
        graph: serialized ONNX graph.
        precision: ``f32`` or ``bf16``.
        threads: inference threads (0: OpenVINO's default).
        uint8: ``src`` (where the graph has it) takes ``uint8 [1, H, W, 3]`` (``takes_pictures``).
    """

    def __init__(self, graph: bytes, precision: str, threads: int, uint8: bool = False) -> None:
        import openvino as ov

        self._tensor = ov.Tensor
        self.precision = precision
        self.compiled = compile_graph(graph, precision, threads, uint8 and _reads_source(graph))
        self.request = self.compiled.create_infer_request()
        self.inputs = [i.get_any_name() for i in self.compiled.inputs]
        self.outputs = [(o.get_any_name(), tuple(o.get_shape())) for o in self.compiled.outputs]

    def run(self, feed: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Outputs of ``feed`` (arrays by input name; read in place, so contiguous), each written by
        OpenVINO into a new float32 array that belongs to the caller."""
        results = {}
        for index, (name, shape) in enumerate(self.outputs):
            results[name] = np.empty(shape, np.float32)
            self.request.set_output_tensor(index, self._tensor(results[name], shared_memory=True))
        self.request.infer({name: feed[name] for name in self.inputs}, share_inputs=True, share_outputs=True)
        return results


def _reads_source(graph: bytes) -> bool:
    """Whether the serialized graph has the frames' input (the tail of a cut graph may not)."""
    return any(SOURCE in i.get_names() for i in core().read_model(graph).inputs)
