"""Where live frames come from: a camera, a video file played at its own rate, a network stream, a
synthetic pattern (FFmpeg's lavfi ``testsrc2``), or any iterable of pictures handed in from Python.

A source yields :class:`Captured` frames at the rate the world delivers them; ``frame.captured`` is the
``time.monotonic()`` at which the frame became available, from which latency is measured. ``stream`` goes
up by one whenever the stream restarts (a looping file starts over), which tells the engine to reset the
recurrent state.
"""
from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass
from typing import Iterable, Iterator

import numpy as np

from videomatte.errors import MediaError

SYNTHETIC = ("testsrc", "testsrc2", "synthetic")
DEVICE_FORMATS = {"linux": "v4l2", "darwin": "avfoundation", "win32": "dshow"}


@dataclass
class Captured:
    """One frame as it arrived.

    Attributes:
        image: ``uint8`` ``[H, W, 3]`` RGB.
        index: number of the frame since capture started (over restarts too), from 0.
        captured: ``time.monotonic()`` when the frame became available.
        stream: number of the stream it belongs to (goes up when the source restarts).
    """

    image: np.ndarray
    index: int
    captured: float
    stream: int = 0


def parse_size(text: str) -> tuple[int, int]:
    """``"1280x720"`` as ``(width, height)``; ``ValueError`` with the expected form otherwise."""
    parts = text.lower().split("x")
    if len(parts) != 2 or not all(p.isdigit() and int(p) > 0 for p in parts):
        raise ValueError(f"size must look like 1280x720, not {text!r}")
    return int(parts[0]), int(parts[1])


def is_device(spec: str) -> bool:
    """A camera: an index (``0``), a device path (``/dev/video0``) or a DirectShow name (``video=...``)."""
    return spec.isdigit() or spec.startswith("/dev/") or spec.startswith("video=")


def device_target(spec: str, platform: str = sys.platform) -> tuple[str, str]:
    """PyAV's ``(file, format)`` for a camera on this platform (``/dev/videoN`` + v4l2, ``N`` + avfoundation,
    ``video=NAME`` + dshow)."""
    fmt = DEVICE_FORMATS.get("linux" if platform.startswith("linux") else platform, "v4l2")
    if spec.isdigit() and fmt == "v4l2":
        return f"/dev/video{spec}", fmt
    if spec.isdigit() and fmt == "dshow":
        raise MediaError(f"camera {spec}: on Windows name the camera, e.g. --source 'video=Integrated Camera' "
                         "(ffmpeg -list_devices true -f dshow -i dummy lists them)")
    return spec, fmt


class Pacer:
    """Releases frames no earlier than their presentation time, counted from the first frame's release."""

    def __init__(self) -> None:
        self._origin: float | None = None

    def rebase(self) -> None:
        """Anchor the clock again at the next frame (after a pause such as the engine's warm-up)."""
        self._origin = None

    def wait(self, seconds: float) -> float:
        """Sleep until ``seconds`` after the first call; returns the release time (``time.monotonic()``)."""
        now = time.monotonic()
        if self._origin is None:
            self._origin = now - seconds
        delay = self._origin + seconds - now  # type: ignore[operator]
        if delay > 0:
            time.sleep(delay)
            now = time.monotonic()
        return now


class AvSource:
    """A camera, a network stream or a lavfi graph (``videomatte.io.capture``), paced where asked.

    Args:
        target, fmt, options, what, size, hint: as ``CaptureStream`` takes them.
        pace: release frames at their timestamps (lavfi graphs and streams); a camera paces itself.
    """

    def __init__(self, target: str, fmt: str | None, options: dict[str, str], what: str,
                 size: tuple[int, int] | None = None, pace: bool = False, hint: str = "") -> None:
        from videomatte.io.capture import CaptureStream

        self.pace, self.pacer = pace, Pacer()
        self._capture = CaptureStream(target, fmt, options, what, size, hint)
        self.fps, self.size = self._capture.fps, self._capture.size

    def __iter__(self) -> Iterator[Captured]:
        for index, (image, seconds) in enumerate(self._capture.pictures()):
            now = self.pacer.wait(seconds) if self.pace else time.monotonic()
            yield Captured(image, index, now)

    def close(self) -> None:
        """Release the device or connection."""
        self._capture.close()


class FileSource:
    """A video file (or image sequence) played at its own frame rate, optionally looped.

    Args:
        path: anything ``videomatte.io.readers.open_reader`` opens.
        loop: start over at the end (each restart is a new stream: the state is reset).
        pace: release frames at their timestamps; ``False`` hands them over as fast as they are taken.
        size: ``(width, height)`` to scale frames to, or ``None``.
    """

    def __init__(self, path: str, loop: bool = False, pace: bool = True, size: tuple[int, int] | None = None) -> None:
        from videomatte.io.readers import open_reader

        self.path, self.loop, self.pace, self.scale = path, loop, pace, size
        self.pacer = Pacer()
        self._reader = open_reader(path)
        self.fps = float(self._reader.info.frame_rate)
        self.size: tuple[int, int] | None = size or (self._reader.info.width, self._reader.info.height)

    def _scaled(self, image: np.ndarray) -> np.ndarray:
        from videomatte.io.capture import scale_picture

        return scale_picture(image, self.scale)

    def __iter__(self) -> Iterator[Captured]:
        from videomatte.io.readers import open_reader

        index, stream, offset = 0, 0, 0.0
        while True:
            last = offset
            for frame in self._reader:
                image = self._scaled(frame.image if frame.image.dtype == np.uint8 else (frame.image >> 8).astype(np.uint8))
                last = offset + frame.time
                now = self.pacer.wait(last) if self.pace else time.monotonic()
                yield Captured(image, index, now, stream)
                index += 1
            if not self.loop or index == 0:
                return
            self._reader.close()
            self._reader = open_reader(self.path)
            offset, stream = last + 1 / self.fps, stream + 1

    def close(self) -> None:
        """Release the file."""
        self._reader.close()


class PictureSource:
    """Pictures handed in from Python (``uint8`` ``[H, W, 3]`` RGB), released at ``fps`` when ``pace``."""

    def __init__(self, pictures: Iterable[np.ndarray], fps: float = 30.0, pace: bool = True) -> None:
        self.pictures, self.fps, self.pace = pictures, float(fps), pace
        self.pacer = Pacer()

    def __iter__(self) -> Iterator[Captured]:
        for index, image in enumerate(self.pictures):
            now = self.pacer.wait(index / self.fps) if self.pace else time.monotonic()
            yield Captured(image, index, now)

    def close(self) -> None:
        """Close the iterable if it is a generator."""
        close = getattr(self.pictures, "close", None)
        if close is not None:
            close()


def open_source(spec: str, size: tuple[int, int] | None = None, fps: float | None = None,
                loop: bool = False, pace: bool = True) -> AvSource | FileSource:
    """The source ``spec`` names: a camera (``0``, ``/dev/video0``, ``video=NAME``), ``testsrc`` (or
    ``lavfi:GRAPH``), a URL (``rtsp://``, ``http://``, ``udp://``...) or a video file.

    Raises:
        MediaError: the source cannot be opened (missing file, no or busy camera, unreachable stream).
    """
    width, height = size or (1280, 720)
    if spec.lower() in SYNTHETIC or spec.startswith("lavfi:"):
        graph = spec[6:] if spec.startswith("lavfi:") else f"testsrc2=size={width}x{height}:rate={fps or 30:g}"
        return AvSource(graph, "lavfi", {}, f"synthetic source {graph!r}", size, pace=pace)
    if is_device(spec):
        target, fmt = device_target(spec)
        options = {"framerate": f"{fps or 30:g}", **({"video_size": f"{width}x{height}"} if size else {})}
        hint = " (no camera there; on Linux `v4l2-ctl --list-devices` lists them)" if fmt == "v4l2" else ""
        return AvSource(target, fmt, options, f"camera {spec}", size, hint=hint)
    if "://" in spec:
        return AvSource(spec, None, {}, f"stream {spec}", size, pace=pace)
    if not os.path.exists(spec):
        raise MediaError(f"{spec}: no such file, camera or stream (a camera is 0 or /dev/video0, a stream a URL)")
    return FileSource(spec, loop=loop, pace=pace, size=size)
