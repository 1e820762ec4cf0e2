"""Live capture: a camera (v4l2, avfoundation, dshow), a network stream or an FFmpeg lavfi graph,
decoded by PyAV into upright RGB pictures with their presentation times."""
from __future__ import annotations

import errno
from typing import Iterator

import numpy as np

from videomatte.errors import MediaError


def open_error(what: str, err: Exception, hint: str = "") -> MediaError:
    code = getattr(err, "errno", None)
    if code == errno.EBUSY:
        return MediaError(f"{what}: busy (another program is using it; close it and retry)")
    if code in (errno.ENOENT, errno.ENODEV, errno.ENXIO):
        return MediaError(f"{what}: no such device{hint}")
    if code in (errno.EACCES, errno.EPERM):
        return MediaError(f"{what}: permission denied (on Linux add yourself to the 'video' group)")
    return MediaError(f"{what}: cannot be opened ({err}){hint}")


class CaptureStream:
    """The first video stream of a device, URL or lavfi graph.

    Args:
        target, fmt, options: what ``av.open`` gets (e.g. ``/dev/video0``, ``v4l2``, ``{"video_size": ...}``).
        what: how errors name this source.
        size: ``(width, height)`` to scale frames to, or ``None`` to keep the delivered size.
        hint: appended to the "cannot be opened" message (how to fix it).

    Raises:
        MediaError: busy, missing or unreadable device, or no video stream.
    """

    def __init__(self, target: str, fmt: str | None, options: dict[str, str], what: str,
                 size: tuple[int, int] | None = None, hint: str = "") -> None:
        import av

        self.what, self.scale = what, size
        try:
            self._container = av.open(target, format=fmt, options=options, timeout=10)
        except (av.FFmpegError, OSError) as err:
            raise open_error(what, err, hint) from err
        if not self._container.streams.video:
            self._container.close()
            raise MediaError(f"{what}: has no video stream")
        self._stream = self._container.streams.video[0]
        rate = self._stream.average_rate or self._stream.guessed_rate
        self.fps = float(rate) if rate else 30.0
        delivered = (self._stream.codec_context.width, self._stream.codec_context.height)
        self.size: tuple[int, int] | None = size or (delivered if all(delivered) else None)

    def pictures(self) -> Iterator[tuple[np.ndarray, float]]:
        """``uint8`` ``[H, W, 3]`` RGB pictures and their times in seconds, as they are delivered."""
        import av

        try:
            for frame in self._container.decode(self._stream):
                seconds = float(frame.pts * frame.time_base) if frame.pts is not None else 0.0
                if self.scale is not None and (frame.width, frame.height) != self.scale:
                    frame = frame.reformat(width=self.scale[0], height=self.scale[1])
                yield frame.to_ndarray(format="rgb24"), seconds
        except (av.FFmpegError, OSError) as err:
            raise MediaError(f"{self.what}: stopped delivering frames ({err})") from err

    def close(self) -> None:
        """Release the device or connection."""
        self._container.close()


def scale_picture(image: np.ndarray, size: tuple[int, int] | None) -> np.ndarray:
    """``image`` (``uint8`` ``[H, W, 3+]``) as RGB scaled to ``size`` ``(width, height)`` (unchanged when
    ``None`` or already that size)."""
    if size is None or (image.shape[1], image.shape[0]) == size:
        return image
    import av

    frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(image[..., :3]), format="rgb24")
    return frame.reformat(width=size[0], height=size[1]).to_ndarray(format="rgb24")
