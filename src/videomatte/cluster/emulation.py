"""A stand-in for the network, for benchmarks of the engine past this machine: a fixed time per frame.

``RayEngine(emulate_network=0.0096)`` gives every worker an :class:`EmulatedSession` instead of a model:
it sleeps as long as a GPU would take (9.6 ms a 1080p frame for MobileNetV3 on a GTX 1080 Ti, from the
paper) and answers with a matte made from the picture, so that everything else (decoding, the warm-up,
compositing, encoding, the join, Ray) runs for real. The mattes mean nothing; never use it for outputs.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor

from videomatte.inference.session import Matte
from videomatte.io.frames import to_tensor


@dataclass(frozen=True)
class EmulatedBackend:
    """What the pipeline asks of a session's backend: its name."""

    name: str = "emulated"


class EmulatedSession:
    """Sleeps ``seconds`` per frame; alpha is the picture's gray level, the foreground the picture."""

    device = torch.device("cpu")
    dtype = torch.float32
    backend = EmulatedBackend()

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds

    def reset(self) -> None:
        """Nothing to forget."""

    def cut(self) -> None:
        """A new shot: nothing to forget either."""

    def takes_pictures(self) -> bool:
        """Float frames, converted on the pipeline's decode thread (as for a GPU session)."""
        return False

    def step(self, frames: np.ndarray | Tensor) -> Matte:
        """``frames``: ``uint8 [H, W, 3]``/``[T, H, W, 3]`` or float ``[T, 3, H, W]`` in 0..1.

        Returns:
            :class:`Matte` with ``fgr [T, 3, H, W]`` and ``pha [T, 1, H, W]`` in 0..1.
        """
        if isinstance(frames, np.ndarray):
            frames = to_tensor(frames)
        time.sleep(self.seconds * frames.shape[0])
        return Matte(fgr=frames, pha=frames.mean(dim=1, keepdim=True))
