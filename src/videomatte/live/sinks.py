"""Where live frames go: a virtual camera (pyvirtualcam), a recording (any output kind conversion
writes), a Python callback, a preview window (OpenCV, where a display exists).

Every sink is opened on its first frame (when the size is known), gets each outgoing frame through
``send(out)`` and is finished by ``close(error)``: a recording is finalised under its name when
``error`` is ``None`` and removed otherwise, so nothing half-written remains.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any, Callable, Protocol

import numpy as np

from videomatte.errors import MediaError
from videomatte.conversion.outputs import render
from videomatte.live.frame_matter import MatteResult
from videomatte.live.pictures import rgba_picture
from videomatte.live.sources import Captured

# a live recording trades file size for encoder time (measured per 1280x720 frame, one thread, Xeon AVX-512):
# libx264 veryfast 19.8 ms -> ultrafast + zerolatency 7.5 ms (40 kB a frame at crf 18 instead of 14); FFV1
# (.mkv) has no cheaper setting (slices, threads, coder: 31 ms of CPU each), ProRes (.mov) neither
PROBE_FRAMES = 6  # frames a recording's cost is timed on (``RecordSink.cost_ms``)
LIVE_ENCODER_OPTIONS = {"libx264": {"preset": "ultrafast", "tune": "zerolatency"},
                        "libx265": {"preset": "ultrafast", "tune": "zerolatency"},
                        "libvpx-vp9": {"deadline": "realtime", "cpu-used": "8"}}
VIRTUAL_CAMERA_FIX = ("no virtual camera device: on Linux load v4l2loopback (sudo modprobe v4l2loopback devices=1 "
                      "exclusive_caps=1 card_label=videomatte); on Windows and macOS install OBS Studio and start "
                      "its virtual camera once")


class Sink(Protocol):
    """Where finished frames go: ``send`` each, then ``close`` once (with the run's error, if any)."""

    def send(self, out: Outgoing) -> None:
        """Deliver one frame."""

    def close(self, error: BaseException | None = None) -> None:
        """Finish (a recording is finalised, or removed after an error)."""


@dataclass
class Outgoing:
    """A matted frame on its way out; pictures are rendered once per kind and shared by the sinks.

    Attributes:
        result: the frame and its own matte.
        captured: the source frame (index, capture time).
    """

    result: MatteResult
    captured: Captured
    _pictures: dict[tuple[str, int], np.ndarray] = field(default_factory=dict)

    def picture(self, kind: str, bits: int = 8) -> np.ndarray:
        """``composite`` ``[H, W, 3]``, ``rgba`` ``[H, W, 4]``, ``alpha`` ``[H, W, 1]`` or ``foreground``
        ``[H, W, 3]``, ``uint8`` (``uint16`` with ``bits`` 16)."""
        key = (kind, bits)
        if key not in self._pictures:
            r = self.result
            if key == ("rgba", 8):  # the recording's picture: plane by plane (live.pictures)
                self._pictures[key] = rgba_picture(r.fgr, r.pha)
            else:
                source = r.backdrop_reference() if kind == "composite" else r.fgr  # only a blur reads the input
                self._pictures[key] = render(kind, source, r.fgr, r.pha, r.background, r.index, bits=bits)[0]
        return self._pictures[key]


class CallbackSink:
    """Hands every frame to ``callback(picture, captured)``: the ``uint8`` picture of ``kind``
    (``composite`` ``[H, W, 3]``, ``rgba`` ``[H, W, 4]`` with straight alpha, ``alpha`` ``[H, W, 1]``,
    ``foreground`` ``[H, W, 3]``)."""

    def __init__(self, callback: Callable[[np.ndarray, Captured], object], kind: str = "composite") -> None:
        self.callback, self.kind = callback, kind

    def send(self, out: Outgoing) -> None:
        self.callback(out.picture(self.kind), out.captured)

    def close(self, error: BaseException | None = None) -> None:
        """Nothing to release."""


class RecordSink:
    """Records to a file or image folder; the kind follows the extension as in conversion (foreground +
    alpha where the format has alpha: ``.mov``, ``.webm``, ``.mkv``, a folder; else the composite).

    Timestamps are the capture times (millisecond time base), so the recording plays at the real pace,
    gaps of dropped frames included.

    Raises:
        OutputExistsError: (on construction) the file exists and ``overwrite`` is false.
    """

    def __init__(self, path: str, fps: float, overwrite: bool = False, codec: str | None = None) -> None:
        from videomatte.io.codecs import supports_alpha
        from videomatte.io.writers import check_output

        check_output(path, overwrite)
        self.path, self.fps, self.overwrite, self.codec = path, fps, overwrite, codec
        self.kind = "rgba" if supports_alpha(path, codec) else "composite"
        self._writer = None
        self._origin = 0.0
        self._size: tuple[int, int] | None = None

    def _is_video(self) -> bool:
        from videomatte.io.codecs import is_sequence_path
        from videomatte.io.stills import is_still_output

        return not (is_sequence_path(self.path) or is_still_output(self.path))

    def _make_writer(self, path: str, width: int, height: int, overwrite: bool) -> Any:
        from dataclasses import replace

        from videomatte.io.codecs import codec_for
        from videomatte.io.readers import VideoInfo
        from videomatte.io.writers import VideoWriter, open_writer

        info = VideoInfo(path=Path(path), width=width, height=height,
                         frame_rate=Fraction(self.fps).limit_denominator(1001), time_base=Fraction(1, 1000))
        alpha = self.kind == "rgba"
        if not self._is_video():
            return open_writer(path, info, alpha=alpha, codec=self.codec, overwrite=overwrite, audio=False)
        spec = codec_for(path, self.codec)
        spec = replace(spec, options={**spec.options, **LIVE_ENCODER_OPTIONS.get(spec.encoder, {})})
        return VideoWriter(path, info, spec, alpha=alpha, overwrite=overwrite, audio=False)

    def _open(self, width: int, height: int, origin: float) -> None:
        self._writer = self._make_writer(self.path, width, height, self.overwrite).__enter__()
        self._origin, self._size = origin, (width, height)

    def cost_ms(self, picture: np.ndarray, frames: int = PROBE_FRAMES) -> float:
        """CPU milliseconds (every thread of the process) that encoding one frame like ``picture``
        (``uint8 [H, W, 3]``) costs, timed on a scratch file of the same codec in a temporary folder:
        what the live quality choice sets aside for the recording. 0 for image sequences (not timed)."""
        import tempfile
        import time

        if not self._is_video():
            return 0.0
        height, width = picture.shape[:2]
        plane = np.concatenate([picture, np.full_like(picture[..., :1], 255)], -1) if self.kind == "rgba" else picture
        with tempfile.TemporaryDirectory() as folder:
            with self._make_writer(str(Path(folder) / Path(self.path).name), width, height, True) as writer:
                plane = plane.astype(np.uint16) * 257 if writer.deep else plane
                writer.write(plane, 0, Fraction(1, 1000))  # opening the encoder: not timed
                start = time.process_time()
                for k in range(1, frames + 1):
                    writer.write(plane, round(k * 1000 / self.fps), Fraction(1, 1000))
                spent = time.process_time() - start
        return spent * 1000 / frames

    def send(self, out: Outgoing) -> None:
        height, width = out.captured.image.shape[:2]
        if self._writer is None:
            self._open(width, height, out.captured.captured)
        elif (width, height) != self._size:
            raise MediaError(f"{self.path}: the source changed size from {self._size[0]}x{self._size[1]} to "
                             f"{width}x{height} during the recording")
        bits = 16 if self._writer.deep else 8
        millis = round((out.captured.captured - self._origin) * 1000)
        self._writer.write(out.picture(self.kind, bits), millis, Fraction(1, 1000))

    def close(self, error: BaseException | None = None) -> None:
        """Finalise the recording (``error`` is ``None``) or remove it."""
        writer, self._writer = self._writer, None
        if writer is not None:
            writer.__exit__(type(error) if error else None, error, None)


class VirtualCameraSink:
    """Sends the composite to a virtual camera through pyvirtualcam (v4l2loopback, OBS's camera).

    Args:
        fps: the rate announced to the camera's readers.
        backend: a pyvirtualcam backend name (``None``: the platform's default).
        device: a device to use (``/dev/video4``...), ``None`` for the first free one.
    """

    def __init__(self, fps: float, backend: str | None = None, device: str | None = None) -> None:
        self.fps, self.backend, self.device = fps, backend, device
        self._camera = None
        self._size: tuple[int, int] | None = None

    def _open(self, width: int, height: int) -> None:
        try:
            import pyvirtualcam
        except ImportError:
            raise MediaError("--virtual-camera needs pyvirtualcam: pip install 'videomatte[live]'") from None
        if self._camera is not None:
            self._camera.close()
        try:
            self._camera = pyvirtualcam.Camera(width, height, self.fps, fmt=pyvirtualcam.PixelFormat.RGB,
                                               backend=self.backend, device=self.device)
        except (RuntimeError, ValueError, OSError) as err:
            text = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
            raise MediaError(f"{VIRTUAL_CAMERA_FIX} ({text})") from err
        self._size = (width, height)

    def prepare(self, width: int, height: int) -> None:
        """Open the device ahead of the first frame (when the source's size is known)."""
        if (width, height) != self._size:
            self._open(width, height)

    def send(self, out: Outgoing) -> None:
        picture = out.picture("composite")
        self.prepare(picture.shape[1], picture.shape[0])
        self._camera.send(picture)

    @property
    def name(self) -> str:
        """The device the frames go to (once opened)."""
        return "" if self._camera is None else str(self._camera.device)

    def close(self, error: BaseException | None = None) -> None:
        """Release the device."""
        camera, self._camera = self._camera, None
        if camera is not None:
            camera.close()


def has_display() -> bool:
    """Whether a window can be shown: a display server on Linux, always on Windows and macOS."""
    import sys

    if sys.platform.startswith("linux"):
        return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    return True
