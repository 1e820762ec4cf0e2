"""``OpenVinoRunner``: a static matting graph run by OpenVINO on the CPU, with ``OnnxRunner``'s interface.

Three precisions (``PRECISIONS``):

- ``fp32``: the whole graph in float32.
- ``bf16``: OpenVINO's ``INFERENCE_PRECISION_HINT=bf16`` for the whole graph (AVX512-BF16 or AMX
  units). On real frames at 512x288 ratio 1 this moves the alpha by about 1e-2 on average: over the
  2e-3 budget.
- ``mixed``: the graph cut after the backbone (``videomatte.export.split``): the MobileNetV3 backbone
  (with the input's downsampling and normalisation) compiled in float32, everything after it (ASPP,
  the ConvGRU decoder, the projection and the refiner) in bf16. The sensitivity sweep of
  docs/benchmarks.md found the backbone to be where bf16 hurts the matte, not the decoder.

The graphs come from the onnxruntime backend's exporter and cache (the same static graph per size and
ratio); OpenVINO is the optional extra ``openvino``.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from videomatte.export.runner import ONNX_OUTPUTS, STATE_INPUTS

PRECISIONS = ("fp32", "bf16", "mixed")
FP32_PREFIXES = ("/backbone/",)  # what "mixed" keeps in float32
_CORE: list[Any] = []


def openvino_available() -> bool:
    """Whether the ``openvino`` package imports."""
    try:
        import openvino  # noqa: F401
    except ImportError:
        return False
    return True


def _core() -> Any:
    """One ``openvino.Core`` per process (it holds the loaded plugins)."""
    if not _CORE:
        import openvino as ov

        from videomatte.inference.graph_cache import MAX_CACHE_BYTES, graphs_dir, prune

        core = ov.Core()
        folder = graphs_dir() / "openvino"
        try:  # compiled models kept beside the graphs: a later process opens them without compiling
            folder.mkdir(parents=True, exist_ok=True)
            prune(folder, MAX_CACHE_BYTES // 2, "*.blob")
            core.set_property({"CACHE_DIR": str(folder)})
        except OSError:
            pass
        _CORE.append(core)
    return _CORE[0]


def _compile(graph: bytes, precision: str, threads: int) -> Any:
    """A compiled model of the serialized ONNX ``graph``: ``precision`` ``f32`` or ``bf16``,
    ``threads`` inference threads (0: OpenVINO's default), one stream, latency first."""
    core = _core()
    config = {"INFERENCE_PRECISION_HINT": precision, "NUM_STREAMS": 1, "PERFORMANCE_HINT": "LATENCY"}
    if threads:
        config["INFERENCE_NUM_THREADS"] = threads
    return core.compile_model(core.read_model(graph), "CPU", config)


class CompiledPart:
    """One compiled graph with its request; ``run(feed)`` -> its outputs by name (copied)."""

    def __init__(self, graph: bytes, precision: str, threads: int) -> None:
        self.compiled = _compile(graph, precision, threads)
        self.request = self.compiled.create_infer_request()
        self.inputs = [i.get_any_name() for i in self.compiled.inputs]
        self.outputs = [(o.get_any_name(), o) for o in self.compiled.outputs]

    def run(self, feed: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        result = self.request.infer({name: feed[name] for name in self.inputs}, share_inputs=True)
        return {name: result[port] for name, port in self.outputs}


class OpenVinoRunner:
    """A static matting graph (serialized ONNX, ``src`` and ``r1i..r4i`` in) stepped frame by frame.

    Args:
        graph: the serialized static ONNX graph (float32).
        precision: one of ``PRECISIONS``.
        threads: OpenVINO inference threads (0: one per core).

    Attributes:
        states: the recurrent state the next ``step`` feeds (float32 arrays, ``r1i..r4i`` order).
        dtype: ``np.float32`` (what ``src`` must be).
    """

    dtype = np.float32

    def __init__(self, graph: bytes, precision: str = "fp32", threads: int = 0) -> None:
        if precision not in PRECISIONS:
            raise ValueError(f"unknown precision {precision!r}; use one of {', '.join(PRECISIONS)}")
        self.precision, self.threads = precision, threads
        if precision == "mixed":
            from videomatte.export.split import split_graph

            cut = split_graph(graph, FP32_PREFIXES)
            self.parts = [CompiledPart(cut.head, "f32", threads), CompiledPart(cut.tail, "bf16", threads)]
        else:
            self.parts = [CompiledPart(graph, "bf16" if precision == "bf16" else "f32", threads)]
        last = self.parts[-1].compiled
        self.state_names = [name for name in STATE_INPUTS if name in self.parts[-1].inputs]
        self._initial = [np.zeros(list(last.input(name).get_shape()), np.float32) for name in self.state_names]
        self.reset()

    def reset(self) -> None:
        """Start a new stream: zero states."""
        self.states = list(self._initial)

    def step(self, src: np.ndarray, ratio: float | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Matte the next frame ``src`` ``[1, 3, H, W]`` float32 in 0..1 (``ratio`` is baked in and
        ignored); returns ``fgr [1, 3, H, W]`` and ``pha [1, 1, H, W]`` and keeps the new states."""
        feed = {"src": np.ascontiguousarray(src, np.float32), **dict(zip(self.state_names, self.states))}
        for part in self.parts:
            feed.update(part.run(feed))
        self.states = [feed[name.replace("i", "o")] for name in self.state_names]
        return feed[ONNX_OUTPUTS[0]], feed[ONNX_OUTPUTS[1]]
