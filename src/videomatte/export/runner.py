"""``OnnxRunner``: an ONNX matting graph run by onnxruntime frame by frame, its recurrent state carried.

The one place the package opens an onnxruntime session (``open_session``) and the one table of the
graph's tensor names. It runs the authors' export and every export of ours alike: dynamic or static
shapes, a runtime ``downsample_ratio`` input or a baked-in ratio, float32 or float16.
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence, Union

import numpy as np

if TYPE_CHECKING:
    from onnxruntime import InferenceSession

ONNX_INPUTS = ("src", "r1i", "r2i", "r3i", "r4i", "downsample_ratio")
ONNX_OUTPUTS = ("fgr", "pha", "r1o", "r2o", "r3o", "r4o")
STATE_INPUTS = ONNX_INPUTS[1:5]
# the static graph in two stages (videomatte.export.stages)
FRONT_INPUTS = ONNX_INPUTS[:5]
FRONT_OUTPUTS = ("x1", "src_sm", *ONNX_OUTPUTS[2:])
GraphSource = Union[str, Path, bytes, "InferenceSession"]  # a graph file, its bytes, or an opened session
BACK_INPUTS = ("src", "src_sm", "x1")
BACK_OUTPUTS = ONNX_OUTPUTS[:2]


def open_session(model: str | Path | bytes, providers: Sequence[str] = ("CPUExecutionProvider",),
                 threads: int = 0, spinning: bool = True, quiet: bool = False) -> InferenceSession:
    """An ``onnxruntime.InferenceSession`` of ``model`` (a path or the serialized graph).

    Args:
        providers: execution providers in order of preference.
        threads: intra-op threads (0: onnxruntime's default, one per core).
        spinning: let idle worker threads spin; off, they sleep, leaving the cores to decoders and
            encoders running beside the network.
        quiet: log errors only.
    """
    import onnxruntime as ort

    options = ort.SessionOptions()
    if not spinning:
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    if threads:
        options.intra_op_num_threads = threads
    if quiet:
        options.log_severity_level = 3
    source = model if isinstance(model, bytes) else str(model)
    return ort.InferenceSession(source, options, providers=list(providers))


def _session_of(model: GraphSource, options: dict[str, Any]) -> InferenceSession:
    """``model`` itself when it is already an onnxruntime session, else a session opened on it."""
    return model if hasattr(model, "get_inputs") else open_session(model, **options)  # type: ignore[arg-type]


class OnnxRunner:
    """A matting graph stepped frame by frame.

    Args:
        model: path of an ``.onnx`` file, the serialized graph, or a session of :func:`open_session`.
        **session: options of :func:`open_session` (providers, threads, spinning, quiet).

    Attributes:
        states: the recurrent state the next ``step`` feeds (numpy arrays in the graph's order and dtype).
        dtype: ``np.float32`` or ``np.float16``, what the graph takes.
        takes_ratio: whether the graph has a runtime ``downsample_ratio`` input.
    """

    def __init__(self, model: GraphSource, **session: Any) -> None:
        self.session = _session_of(model, session)
        inputs = {i.name: i for i in self.session.get_inputs()}
        self.dtype = np.float16 if "float16" in inputs["src"].type else np.float32
        self.takes_ratio = "downsample_ratio" in inputs
        self.state_names = [name for name in STATE_INPUTS if name in inputs]
        # Static graphs name every dimension; dynamic ones take [1, 1, 1, 1] zeros as the first state.
        self._initial = [np.zeros([d if isinstance(d, int) else 1 for d in inputs[name].shape], self.dtype)
                         for name in self.state_names]
        self.reset()

    def reset(self) -> None:
        """Start a new stream: zero states."""
        self.states = list(self._initial)

    def feed(self, src: np.ndarray, ratio: float | None = None) -> dict[str, np.ndarray]:
        """The inputs of the next step: ``src`` ``[B, 3, H, W]`` in 0..1, the states, and ``ratio`` where
        the graph takes it (required there)."""
        feed = {"src": np.asarray(src).astype(self.dtype, copy=False), **dict(zip(self.state_names, self.states))}
        if self.takes_ratio:
            if ratio is None:
                raise ValueError("this graph takes downsample_ratio: pass ratio=")
            feed["downsample_ratio"] = np.array([ratio], np.float32)
        return feed

    def run(self, feed: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        """Run one prepared ``feed``; keeps the states it returns. Returns ``fgr [B, 3, H, W]`` and
        ``pha [B, 1, H, W]`` in 0..1."""
        fgr, pha, *self.states = self.session.run(list(ONNX_OUTPUTS[: 2 + len(self.state_names)]), feed)
        return fgr, pha

    def step(self, src: np.ndarray, ratio: float | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Matte the next frame(s) ``src`` ``[B, 3, H, W]``; see :meth:`feed` and :meth:`run`."""
        return self.run(self.feed(src, ratio))


class StagedRunner(OnnxRunner):
    """The two halves of a static graph (``videomatte.export.stages``), stepped frame by frame.

    ``begin(src)`` runs the stateful front and carries the state; ``finish(handoff)`` runs the stateless
    back. ``begin`` must be called in frame order from one thread at a time; ``finish`` of frame t may
    run on another thread while ``begin`` of frame t+1 runs, which is what keeps two cores busy with
    one onnxruntime thread each.

    Args:
        front, back: each a path, serialized graph or session, as ``OnnxRunner``'s ``model``.
        **session: options of :func:`open_session`.
    """

    def __init__(self, front: GraphSource, back: GraphSource, **session: Any) -> None:
        super().__init__(front, **session)
        self.back = _session_of(back, session)

    def begin(self, src: np.ndarray) -> dict[str, np.ndarray]:
        """The front of the next frame ``src`` ``[1, 3, H, W]`` in 0..1: the hand-over for ``finish``."""
        feed = self.feed(src)
        x1, src_sm, *self.states = self.session.run(list(FRONT_OUTPUTS), feed)
        return {"src": feed["src"], "src_sm": src_sm, "x1": x1}

    def finish(self, handoff: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        """The back of a frame begun earlier: ``fgr [1, 3, H, W]`` and ``pha [1, 1, H, W]`` in 0..1."""
        fgr, pha = self.back.run(list(BACK_OUTPUTS), handoff)
        return fgr, pha

    def step(self, src: np.ndarray, ratio: float | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Both halves of the next frame in turn (``ratio`` is baked into the graphs and ignored)."""
        return self.finish(self.begin(src))
