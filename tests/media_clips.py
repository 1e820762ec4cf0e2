"""Small synthetic media for the io/inference/cli tests, generated with PyAV."""
from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np

NTSC = Fraction(30000, 1001)
SHARED_DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data"
# (height, width) of the tests that run ``tiny_net`` or ``random_weights`` (tests/conftest.py) through a graph
# runtime at a size of no importance to them, the size of ``make_clip``'s clips: the session's graph cache
# then exports the network once per ratio for all of them (each export takes a second or two)
TINY_SIZE = (64, 96)


def moving_scene(index: int, width: int, height: int) -> tuple[np.ndarray, np.ndarray]:
    """Frame ``index`` of a scene: a bright disc moving over a gradient.

    Returns:
        RGB ``uint8 [H, W, 3]`` and the disc's coverage (a known alpha) ``float32 [H, W]`` in 0..1.
    """
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    cx = (0.2 + 0.6 * ((index * 0.07) % 1.0)) * width
    cy = 0.5 * height
    radius = 0.3 * min(width, height)
    alpha = np.clip(radius - np.hypot(xx - cx, yy - cy) + 0.5, 0.0, 1.0)
    background = np.stack([xx / width * 120 + 20, yy / height * 80 + 40, np.full_like(xx, 90)], -1)
    foreground = np.array([230.0, 200.0, 170.0], np.float32)
    rgb = foreground * alpha[..., None] + background * (1 - alpha[..., None])
    return rgb.round().astype(np.uint8), alpha


def _audio_frames(seconds: float, rate: int = 44100):
    total = int(round(seconds * rate))
    for start in range(0, total, 1024):
        count = min(1024, total - start)
        t = np.arange(start, start + count) / rate
        tone = (0.2 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
        frame = av.AudioFrame.from_ndarray(np.stack([tone, tone]), format="fltp", layout="stereo")
        frame.sample_rate, frame.pts = rate, start
        yield frame


def make_clip(path: Path, frames: int = 10, width: int = 96, height: int = 64, rate: Fraction = NTSC,
              audio: bool = False, rotation: int = 0, vfr: bool = False, ten_bit: bool = False,
              full_range: bool = False) -> list[int]:
    """Write an H.264 clip of :func:`moving_scene`; returns the video timestamps written (in 1/90000 s).

    Args:
        vfr: alternate 1/30 s and 1/20 s gaps between frames (variable frame rate).
        rotation: display rotation in degrees counter-clockwise, stored as container metadata.
        ten_bit: encode ``yuv420p10le`` from 16-bit pictures.
    """
    time_base = Fraction(1, 90000)
    container = av.open(str(path), "w")
    video = container.add_stream("libx264", rate=rate, options={"preset": "ultrafast", "crf": "12"})
    video.width, video.height = width, height
    even = width % 2 == 0 and height % 2 == 0
    video.pix_fmt = ("yuv420p10le" if ten_bit else "yuv420p") if even else "yuv444p"
    video.codec_context.time_base = time_base
    if full_range:
        video.codec_context.color_range = 2
    if rotation:
        video.set_display_rotation(rotation)
    sound = container.add_stream("aac", rate=44100) if audio else None
    if sound is not None:
        sound.layout = "stereo"
    stamps, pts = [], 0
    for index in range(frames):
        rgb, _ = moving_scene(index, width, height)
        if ten_bit:
            frame = av.VideoFrame.from_ndarray(rgb.astype(np.uint16) * 257, format="rgb48le")
        else:
            frame = av.VideoFrame.from_ndarray(rgb, format="rgb24")
        frame = frame.reformat(format=video.pix_fmt, dst_color_range=2 if full_range else 1)
        frame.pts, frame.time_base = pts, time_base
        stamps.append(pts)
        container.mux(video.encode(frame))
        gap = (Fraction(1, 30) if index % 2 == 0 else Fraction(1, 20)) if vfr else 1 / rate
        pts += int(gap / time_base)
    container.mux(video.encode(None))
    if sound is not None:
        for frame in _audio_frames(float(pts * time_base)):
            container.mux(sound.encode(frame))
        container.mux(sound.encode(None))
    container.close()
    return stamps


def stream_seconds(path: Path, kind: str) -> float:
    """Duration of the first ``kind`` ('audio'/'video') stream: last packet end minus the first start,
    counting a negative start (codec priming) as 0."""
    with av.open(str(path)) as container:
        stream = getattr(container.streams, kind)[0]
        spans = [(p.pts * p.time_base, (p.pts + (p.duration or 0)) * p.time_base)
                 for p in container.demux(stream) if p.pts is not None and p.size]
    return float(max(end for _, end in spans) - max(min(start for start, _ in spans), 0))


def decoded(path: Path | str, fmt: str = "rgb24", count: int | None = None) -> list[np.ndarray]:
    """The first ``count`` (all when ``None``) pictures of a video's first stream, as PyAV's ``fmt``
    (``rgb24``, ``gray``, ``rgba``...): the tests' one plain decoder."""
    pictures: list[np.ndarray] = []
    with av.open(str(path)) as container:
        for frame in container.decode(video=0):
            if count is not None and len(pictures) == count:
                break
            pictures.append(frame.to_ndarray(format=fmt))
    return pictures


def decoded_alpha(path: Path | str) -> list[np.ndarray]:
    """The alpha plane of every frame of a video or image sequence written by videomatte, in 8-bit
    levels (``int64`` ``[H, W]``; 16-bit alpha rounded to 8)."""
    from videomatte.io.readers import VideoReader

    with VideoReader(Path(path), alpha=True) as reader:
        planes = [frame.image[..., 3] for frame in reader]
    return [np.round(a / 257.0).astype(np.int64) if a.dtype == np.uint16 else a.astype(np.int64) for a in planes]
