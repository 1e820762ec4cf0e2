"""Stand-ins for what cannot exist here: a slow network whose matte shows which frame it came from, a
source of frames that carry their index in the pixels, and a virtual camera backend that records."""
from __future__ import annotations

import time

import numpy as np
import torch
from torch import nn

from videomatte.inference.session import MattingSession


def index_value(index: int) -> int:
    """The grey level of frame ``index``'s left half (distinct for indices 0..69)."""
    return 40 + 3 * (index % 70)


def indexed_frames(count: int, height: int = 24, width: int = 32) -> list[np.ndarray]:
    """Frames whose left half is ``index_value(k)`` and right half white."""
    frames = []
    for k in range(count):
        frame = np.full((height, width, 3), 255, np.uint8)
        frame[:, : width // 2] = index_value(k)
        frames.append(frame)
    return frames


class EchoNetwork(nn.Module):
    """A deliberately slow stand-in network: foreground = the frame, alpha = the mean grey of the left
    half everywhere, state = frames since the last reset (recorded in ``counts``).

    Composited over black, a frame ``k`` matted with the matte of frame ``j`` shows ``v_j`` in its right
    half and ``v_k * v_j / 255`` in its left half: the two agree only when ``j == k``.
    """

    def __init__(self, delay: float = 0.0) -> None:
        super().__init__()
        self.delay = delay
        self.counts: list[int] = []

    def forward(self, src, r1, r2, r3, r4, downsample_ratio: float = 1.0):  # noqa: ANN001, ANN201
        time.sleep(self.delay)
        width = src.shape[-1]
        pha = src[..., :1, :, : width // 2].mean(dim=(-1, -2), keepdim=True).expand(*src.shape[:-3], 1, *src.shape[-2:])
        count = (0 if r1 is None else int(r1.item())) + 1
        self.counts.append(count)
        return src, pha.contiguous(), torch.tensor(float(count)), r2, r3, r4


def echo_session(delay: float = 0.0) -> tuple[MattingSession, EchoNetwork]:
    network = EchoNetwork(delay)
    return MattingSession(network, device="cpu", backend="torch", downsample_ratio=0.5), network


def decode_echo(composite: np.ndarray) -> tuple[int, int]:
    """``(left, right)`` grey levels of a composite over black of an indexed frame."""
    width = composite.shape[1]
    return int(np.median(composite[:, : width // 2 - 1])), int(np.median(composite[:, width // 2 + 1:]))


class RecordingCamera:
    """A pyvirtualcam backend that keeps every frame it is sent (register it with ``register_backend``)."""

    opened: list["RecordingCamera"] = []

    def __init__(self, *, width: int, height: int, fps: float, fourcc: int, device: str | None, **kw: object) -> None:
        self.width, self.height, self.fps, self.fourcc = width, height, fps, fourcc
        self.frames: list[np.ndarray] = []
        self.closed = False
        RecordingCamera.opened.append(self)

    def send(self, frame: np.ndarray) -> None:
        """pyvirtualcam hands backends a flat C-contiguous ``uint8`` array in the chosen pixel format."""
        assert frame.dtype == np.uint8 and frame.ndim == 1 and frame.flags.c_contiguous
        assert frame.size == self.height * self.width * 3
        self.frames.append(frame.reshape(self.height, self.width, 3).copy())

    def close(self) -> None:
        self.closed = True

    def device(self) -> str:
        return "recording-camera"

    def native_fourcc(self) -> int | None:
        return None
