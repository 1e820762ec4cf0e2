"""``OpenVinoStagedRunner``: the static graph's two halves (``videomatte.export.stages``) run by OpenVINO,
one thread each, for the live loop's overlapped frames (``StagedRunner``'s interface).

The live loop begins frame t+1 on one core while frame t finishes on the other. The halves are tuned
like the whole graph (``tuning.choose_runtime(staged=True)``: onnxruntime's float32 halves, or these in
OpenVINO fp32, bf16 or ``mixed``, bf16 only where the alpha stays within budget). Measured at 1280x720
ratio 0.2 on the Xeon of ``docs/live.md`` (AVX512-BF16, AMX), CPU ms a frame on one thread each:
onnxruntime fp32 front 18.9 + back 24.6, OpenVINO bf16 13.4 + 19.9 (mean |Δα| 9.3e-4 over 30 frames).

::

    begin:  src [1, 3, H, W] float32 0..1, states -> hand-over {src, src_sm, x1}; new states kept
            (begin_pictures: src a decoded picture uint8 [1, H, W, 3], converted inside)
    finish: hand-over                              -> fgr [1, 3, H, W], pha [1, 1, H, W] in 0..1
"""
from __future__ import annotations

import numpy as np

from videomatte.export.runner import BACK_OUTPUTS
from videomatte.inference.openvino_parts import CompiledPart
from videomatte.inference.openvino_runner import OpenVinoRunner


class OpenVinoStagedRunner:
    """The front (stateful) and back (stateless) half graphs, each compiled by OpenVINO.

    Args:
        front, back: the serialized static ONNX graphs of the two stages (float32).
        precision: ``fp32``, ``bf16`` or ``mixed`` (the front's backbone in float32, the rest in bf16).
        threads: inference threads of each half (1: the live loop's one core each).

    Attributes:
        dtype: ``np.float32`` (what ``src`` must be).
    """

    dtype = np.float32

    def __init__(self, front: bytes, back: bytes, precision: str, threads: int = 1) -> None:
        self.front = OpenVinoRunner(front, precision, threads)
        self._back_graph, self._threads = back, threads
        self._backs = {False: CompiledPart(back, "f32" if precision == "fp32" else "bf16", threads)}
        self.precision = precision

    @property
    def states(self) -> list[np.ndarray]:
        """The recurrent state the next ``begin`` feeds (float32, ``r1i..r4i`` order)."""
        return self.front.states

    @states.setter
    def states(self, states: list[np.ndarray]) -> None:
        self.front.states = states

    def reset(self) -> None:
        """Start a new stream: zero states."""
        self.front.reset()

    def begin(self, src: np.ndarray) -> dict[str, np.ndarray]:
        """The front of the next frame ``src`` ``[1, 3, H, W]`` in 0..1: the hand-over for ``finish``."""
        return self._begin(np.ascontiguousarray(src, np.float32))

    def begin_pictures(self, picture: np.ndarray) -> dict[str, np.ndarray]:
        """``begin`` of a decoded picture ``uint8 [1, H, W, 3]`` RGB, converted inside both halves'
        compiled models (no float copy of the frame; compiled on first use)."""
        return self._begin(np.ascontiguousarray(picture, np.uint8))

    def _begin(self, src: np.ndarray) -> dict[str, np.ndarray]:
        out = self.front.advance(src)
        return {"src": src, "src_sm": out["src_sm"], "x1": out["x1"]}

    def finish(self, handoff: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        """The back of a frame begun earlier: ``fgr [1, 3, H, W]`` and ``pha [1, 1, H, W]`` in 0..1."""
        pictures = handoff["src"].dtype == np.uint8
        if pictures not in self._backs:
            self._backs[pictures] = CompiledPart(self._back_graph, self._backs[False].precision, self._threads, True)
        out = self._backs[pictures].run(handoff)
        return out[BACK_OUTPUTS[0]], out[BACK_OUTPUTS[1]]

    def step(self, src: np.ndarray, ratio: float | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Both halves of the next frame in turn (``ratio`` is baked into the graphs and ignored)."""
        return self.finish(self.begin(src))
