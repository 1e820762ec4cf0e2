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
ratio); OpenVINO is the optional extra ``openvino``. ``step`` takes float frames; ``step_pictures`` takes
the decoded ``uint8`` picture itself and converts it inside the compiled model (``openvino_parts``),
compiled on its first use.
"""
from __future__ import annotations

import numpy as np

from videomatte.export.runner import ONNX_OUTPUTS, STATE_INPUTS
from videomatte.inference.openvino_parts import CompiledPart, core

PRECISIONS = ("fp32", "bf16", "mixed")
FP32_PREFIXES = ("/backbone/",)  # what "mixed" keeps in float32


def openvino_available() -> bool:
    """Whether the ``openvino`` package imports."""
    try:
        import openvino  # noqa: F401
    except ImportError:
        return False
    return True


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
        self.graph, self.precision, self.threads = graph, precision, threads
        self._parts: dict[bool, list[CompiledPart]] = {}
        inputs = {i.get_any_name(): i for i in core().read_model(graph).inputs}
        self.state_names = [name for name in STATE_INPUTS if name in inputs]
        self._initial = [np.zeros(list(inputs[name].get_shape()), np.float32) for name in self.state_names]
        self._compiled(uint8=False)  # now: a graph this runtime cannot compile fails at open, not mid-stream
        self.reset()

    def _compiled(self, uint8: bool) -> list[CompiledPart]:
        """The parts taking float frames, or (``uint8``) decoded pictures, compiled on first use."""
        if uint8 not in self._parts:
            if self.precision == "mixed":
                from videomatte.export.split import split_graph

                cut = split_graph(self.graph, FP32_PREFIXES)
                self._parts[uint8] = [CompiledPart(cut.head, "f32", self.threads, uint8),
                                      CompiledPart(cut.tail, "bf16", self.threads, uint8)]
            else:
                precision = "bf16" if self.precision == "bf16" else "f32"
                self._parts[uint8] = [CompiledPart(self.graph, precision, self.threads, uint8)]
        return self._parts[uint8]

    def reset(self) -> None:
        """Start a new stream: zero states."""
        self.states = list(self._initial)

    def step(self, src: np.ndarray, ratio: float | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Matte the next frame ``src`` ``[1, 3, H, W]`` float32 in 0..1 (``ratio`` is baked in and
        ignored); returns ``fgr [1, 3, H, W]`` and ``pha [1, 1, H, W]`` (new arrays, the caller's) and
        keeps the new states."""
        return self._matte(self.advance(np.ascontiguousarray(src, np.float32)))

    def step_pictures(self, picture: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``step`` of a decoded picture ``uint8 [1, H, W, 3]`` RGB, converted inside the compiled model
        (the same as ``step`` of ``picture / 255`` channels first, to float rounding)."""
        return self._matte(self.advance(np.ascontiguousarray(picture, np.uint8)))

    def advance(self, src: np.ndarray) -> dict[str, np.ndarray]:
        """Run the graph on ``src`` (float32 ``[1, 3, H, W]``, or a decoded picture ``uint8 [1, H, W, 3]``
        converted inside; contiguous) and the states, keep the new states, and return every tensor by
        name (the inputs and all the outputs)."""
        feed = {"src": src, **dict(zip(self.state_names, self.states))}
        for part in self._compiled(uint8=src.dtype == np.uint8):
            feed.update(part.run(feed))
        self.states = [feed[name.replace("i", "o")] for name in self.state_names]
        return feed

    @staticmethod
    def _matte(feed: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        return feed[ONNX_OUTPUTS[0]], feed[ONNX_OUTPUTS[1]]
