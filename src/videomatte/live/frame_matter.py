"""``FrameMatter``: matte single frames of a live stream (one ``MattingSession``, a background, mirroring).

The live engine (``videomatte live`` and the web page's Live tab) hands it one picture at a time::

    matter = FrameMatter(MattingSession("mobilenetv3"), background="blur", mirror=True)
    composite = matter(frame)            # uint8 [H, W, 3] RGB in, uint8 [H, W, 3] RGB out
    fgr, alpha = matter.matte(frame)     # uint8 [H, W, 3], uint8 [H, W]
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import torch
from torch import Tensor

from videomatte.compositing import Background, backdrop_reference, composite_pictures, parse_background
from videomatte.inference.session import InFlight, MattingSession
from videomatte.io.frames import to_numpy, to_tensor


@dataclass
class MatteResult:
    """One frame and the matte computed from it, kept together so they can never be paired wrongly.

    Attributes:
        index: number of the frame since the last reset (drives looping video backgrounds).
        source: the (mirrored, if asked) input as prepared: ``[1, 3, H, W]`` in 0..1, or the ``uint8``
            ``[H, W, 3]`` picture a session took as it is (``MattingSession.takes_pictures``).
        fgr: foreground ``[1, 3, H, W]`` in 0..1.
        pha: alpha ``[1, 1, H, W]`` in 0..1.
        background: the background in force when the frame was matted.
    """

    index: int
    source: Tensor | np.ndarray
    fgr: Tensor
    pha: Tensor
    background: Background

    @cached_property
    def src(self) -> Tensor:
        """The input ``[1, 3, H, W]`` in 0..1 (converted on first use where a picture was kept)."""
        return self.source if isinstance(self.source, Tensor) else to_tensor(self.source)

    def backdrop_reference(self) -> Tensor:
        """What ``Background.frames`` reads for this frame: the input where the background is made from
        it (``blur``), else the foreground (same shape, type and device: no conversion of the input)."""
        return backdrop_reference(self.background, self.fgr, lambda: self.src)

    def composite(self) -> np.ndarray:
        """The foreground over the background: ``uint8`` ``[H, W, 3]``."""
        bgr = self.background.frames(self.backdrop_reference(), self.index)
        return composite_pictures(self.fgr, self.pha, bgr)[0]


@dataclass
class Begun:
    """A frame between ``FrameMatter.begin`` and ``finish``: its number, input, the session's work in
    flight and the background in force when it was taken."""

    index: int
    src: Tensor | np.ndarray
    flight: InFlight
    background: Background


def check_picture(frame: np.ndarray) -> None:
    """Raise ``ValueError`` unless ``frame`` is a ``uint8`` ``[H, W, 3]`` RGB picture."""
    if not isinstance(frame, np.ndarray) or frame.dtype != np.uint8 or frame.ndim != 3 or frame.shape[-1] != 3:
        shape = getattr(frame, "shape", None)
        raise ValueError(f"expected a uint8 RGB picture [H, W, 3], got {type(frame).__name__} {shape}")


class FrameMatter:
    """Matte single frames of a live stream: a MattingSession, a background, mirroring. Thread-safe.

    Args:
        session: the network session; its recurrent state carries from one frame to the next and is
            reset by the session itself when the frame size changes.
        background: what goes behind the person: a colour name, ``#RRGGBB``, ``blur``, or an image or
            video file (the choices of ``videomatte convert --background``); settable at any time.
        mirror: flip every frame left to right before matting (a selfie view).
        smooth: temporal smoothing of the matte in [0, 1): each alpha is blended with the previous one,
            ``pha = (1 - smooth) * pha + smooth * previous`` (0, the default, is off: the network is
            recurrent already).

    Raises:
        MediaError: (on construction or when ``background`` is set) a background that is neither a
            colour, ``blur`` nor an existing file.
    """

    def __init__(self, session: MattingSession, background: str = "green", mirror: bool = False,
                 smooth: float = 0.0) -> None:
        if not 0 <= smooth < 1:
            raise ValueError(f"smooth must be in [0, 1), got {smooth}")
        self.session = session
        self.mirror = mirror
        self.smooth = smooth
        self._previous: Tensor | None = None
        self._lock = threading.RLock()
        self._finish_lock = threading.Lock()
        self._index = 0
        self._background_spec = ""
        self._background: Background | None = None
        self.background = background

    @property
    def background(self) -> str:
        """The background's description, as it was given."""
        return self._background_spec

    @background.setter
    def background(self, spec: str) -> None:
        parsed = parse_background(spec)
        with self._lock:
            old, self._background, self._background_spec = self._background, parsed, spec
        if old is not None:
            old.close()

    def infer(self, frame: np.ndarray) -> MatteResult:
        """Matte one ``uint8`` ``[H, W, 3]`` RGB frame; the result keeps the frame with its matte."""
        return self.finish(self.begin(frame))

    def prepare(self, frame: np.ndarray) -> Tensor | np.ndarray:
        """The network's input for one ``uint8`` ``[H, W, 3]`` RGB frame (mirrored if asked):
        ``[1, 3, H, W]`` in 0..1, or the picture itself, contiguous, where the session converts pictures
        inside its runtime (``MattingSession.takes_pictures``). Any thread may prepare frames ahead of
        ``begin``."""
        check_picture(frame)
        if self.mirror:
            frame = np.ascontiguousarray(frame[:, ::-1])
        return np.ascontiguousarray(frame) if self.session.takes_pictures() else self.session.to_input(frame)

    def begin(self, frame: np.ndarray | Tensor, prepared: bool = False) -> "Begun":
        """The first half of :meth:`infer` (the session's ``begin``) for a frame, or (``prepared``, or a
        tensor) what :meth:`prepare` made of it: call in frame order. ``finish`` of this frame may then
        run on another thread while the next frame begins."""
        src = frame if prepared or isinstance(frame, Tensor) else self.prepare(frame)
        with self._lock:
            begun = Begun(self._index, src, self.session.begin(src), self._background)
            self._index += 1
        return begun

    def finish(self, begun: "Begun") -> MatteResult:
        """The matte of a frame begun earlier (call in frame order: smoothing is recurrent)."""
        with self._finish_lock:
            matte = self.session.finish(begun.flight)
            pha = self._smoothed(matte.pha)
        return MatteResult(begun.index, begun.src, matte.fgr, pha, begun.background)

    def _smoothed(self, pha: Tensor) -> Tensor:
        if self.smooth and self._previous is not None and self._previous.shape == pha.shape:
            pha = torch.lerp(pha, self._previous, self.smooth)
        self._previous = pha if self.smooth else None
        return pha

    def __call__(self, frame: np.ndarray) -> np.ndarray:
        """The composite of one frame over the background: ``uint8`` ``[H, W, 3]`` RGB."""
        with self._lock:
            result = self.infer(frame)
            with torch.inference_mode():
                return result.composite()

    def matte(self, frame: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Foreground ``uint8`` ``[H, W, 3]`` RGB and alpha ``uint8`` ``[H, W]`` (0 = background) of one frame."""
        result = self.infer(frame)
        return to_numpy(result.fgr)[0], to_numpy(result.pha)[0, ..., 0]

    def reset(self) -> None:
        """Forget the recurrent state (a new stream, a cut) and restart video backgrounds' frame count."""
        with self._lock, self._finish_lock:
            self.session.reset()
            self._index = 0
            self._previous = None

    def cut(self) -> None:
        """A new shot starts with the next frame begun: forget the recurrent state (``MattingSession.cut``)
        and the smoothing's previous matte; video backgrounds play on."""
        with self._lock, self._finish_lock:
            self.session.cut()
            self._previous = None

    def close(self) -> None:
        """Release the background's files (a looping video background)."""
        with self._lock:
            if self._background is not None:
                self._background.close()
