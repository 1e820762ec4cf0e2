"""Media for the web tests: a few frames cut from a shared clip, a y4m for Chromium's fake camera."""
from __future__ import annotations

from pathlib import Path

import av
import numpy as np

CLIP_FRAMES = 8  # frames of the person clip the web tests convert
GROUP_SIZE, GROUP_FRAMES = (384, 216), 6  # the group clip, scaled (width, height)


def trim_clip(source: Path, out: Path, frames: int, size: tuple[int, int] | None = None) -> Path:
    """The first ``frames`` frames of ``source`` re-encoded as H.264 (no audio) into ``out``, scaled to
    ``size`` (width, height) when given."""
    with av.open(str(source)) as inp, av.open(str(out), "w") as dst:
        src = inp.streams.video[0]
        width, height = size or (src.codec_context.width, src.codec_context.height)
        video = dst.add_stream("libx264", rate=src.average_rate, options={"preset": "ultrafast", "crf": "16"})
        video.width, video.height, video.pix_fmt = width, height, "yuv420p"
        for index, frame in enumerate(inp.decode(src)):
            if index == frames:
                break
            rgb = frame.to_ndarray(width=width, height=height, format="rgb24")
            picture = av.VideoFrame.from_ndarray(rgb, format="rgb24")
            dst.mux(video.encode(picture.reformat(format="yuv420p")))
        dst.mux(video.encode(None))
    return out


def write_y4m(source: Path, out: Path, frames: int, fps: int = 24) -> Path:
    """A raw 4:2:0 y4m of the first ``frames`` frames of ``source``, tagged ``C420`` as Chromium wants."""
    with av.open(str(source)) as inp, open(out, "wb") as dst:
        stream = inp.streams.video[0]
        width, height = stream.codec_context.width, stream.codec_context.height
        dst.write(f"YUV4MPEG2 W{width} H{height} F{fps}:1 Ip A1:1 C420\n".encode())
        for index, frame in enumerate(inp.decode(stream)):
            if index == frames:
                break
            planes = frame.reformat(format="yuv420p").to_ndarray()  # [H * 3/2, W]: Y, then U and V
            dst.write(b"FRAME\n" + np.ascontiguousarray(planes).tobytes())
    return out


def decode(path: Path, alpha: bool = False) -> tuple[list[np.ndarray], bool]:
    """Every picture of a video (``[H, W, 4]`` with ``alpha``, else ``[H, W, 3]``) and whether it has audio."""
    from videomatte.io.readers import VideoReader

    with VideoReader(path, alpha=alpha) as reader:
        pictures = [frame.image for frame in reader]
        return pictures, reader.info.has_audio
