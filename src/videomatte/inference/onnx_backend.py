"""Run an RVM ONNX export (inputs ``src, r1i..r4i, downsample_ratio``) in onnxruntime on the CPU.

Used by :mod:`videomatte.inference.convert` in place of the eager network when the weights are such a
file, the device is the CPU and the downsample ratio is below 1: there it gives the same mattes (the
export always runs the refiner, which the eager network skips only at ratio 1) several times faster.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from torch import Tensor

from videomatte.inference.session import Matte
from videomatte.models.registry import auto_downsample_ratio

INPUTS = ("src", "r1i", "r2i", "r3i", "r4i", "downsample_ratio")


def is_rvm_onnx(path: str | Path) -> bool:
    """Whether ``path`` is an ONNX file with the RVM export's inputs."""
    path = Path(path)
    if path.suffix.lower() != ".onnx" or not path.is_file():
        return False
    import onnx

    try:
        graph = onnx.load(str(path), load_external_data=False).graph
    except Exception:  # noqa: BLE001 - any unreadable file is simply not one
        return False
    initializers = {i.name for i in graph.initializer}
    return tuple(i.name for i in graph.input if i.name not in initializers) == INPUTS


class OnnxMattingSession:
    """A :class:`~videomatte.inference.session.MattingSession` look-alike over onnxruntime.

    Args:
        path: the ONNX file.
        downsample_ratio: fixed ratio in (0, 1), or ``None`` for ``min(512 / max(H, W), 1)``.
        threads: onnxruntime intra-op threads (``None``: its default, one per core).
    """

    device = torch.device("cpu")
    dtype = torch.float32

    def __init__(self, path: str | Path, downsample_ratio: float | None = None, threads: int | None = None) -> None:
        import onnxruntime as ort

        options = ort.SessionOptions()
        # Idle workers sleep instead of spinning: the decode and encode threads need those cycles.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        if threads:
            options.intra_op_num_threads = threads
        self._session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        self.fixed_ratio = downsample_ratio
        self._size: tuple[int, int] | None = None
        self.reset()

    @property
    def downsample_ratio(self) -> float | None:
        """The ratio in use for the current resolution."""
        if self.fixed_ratio is not None or self._size is None:
            return self.fixed_ratio
        return auto_downsample_ratio(*self._size)

    def reset(self) -> None:
        """Forget the recurrent state."""
        self._rec = [np.zeros((1, 1, 1, 1), np.float32)] * 4
        self._size = None

    def step(self, frames: Tensor) -> Matte:
        """Matte a chunk ``[T, 3, H, W]`` (float, 0..1, CPU) frame by frame, carrying the state."""
        size = (int(frames.shape[-2]), int(frames.shape[-1]))
        if size != self._size:
            self.reset()
            self._size = size
        ratio = np.array([self.downsample_ratio], np.float32)
        fgrs, phas = [], []
        for frame in frames.detach().float().cpu().numpy():
            fgr, pha, *self._rec = self._session.run(None, dict(zip(INPUTS, [frame[None], *self._rec, ratio])))
            fgrs.append(torch.from_numpy(fgr))
            phas.append(torch.from_numpy(pha))
        return Matte(fgr=torch.cat(fgrs), pha=torch.cat(phas))
