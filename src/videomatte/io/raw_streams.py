"""Raw elementary streams (a camera's or an encoder's ``.h264``/``.265``/``.hevc`` without a container).

They carry pictures but no timestamps: FFmpeg's demuxer stamps nothing and assumes 25 frames a second
(``average_rate``), while the rate the stream's own headers declare (H.264/HEVC VUI timing) is FFmpeg's
``guessed_rate``. The reader numbers such frames at, in this order: the rate asked for (``--fps``), the
rate of the headers, 25 as FFmpeg does; timestamps are ``index / rate`` from 0 (``VideoReader.__iter__``
continues from the previous frame when one has none); their frame count is that of the pictures the
parser finds, since no header announces it. Containers (MP4, MKV, MPEG-TS...) keep their own
timestamps and rate. Raw streams cannot seek; the reader opens them again to rewind.
"""
from __future__ import annotations

from fractions import Fraction
from typing import Any

RAW_FORMATS = frozenset({"h264", "hevc", "vvc", "mpegvideo", "m4v", "obu", "cavsvideo", "avs2"})
RAW_SUFFIXES = frozenset({".h264", ".264", ".h265", ".265", ".hevc", ".m2v", ".m4v", ".obu", ".vvc", ".266"})
DEFAULT_RATE = Fraction(25)  # what FFmpeg assumes for a raw stream


def is_raw(container: Any) -> bool:
    """Whether an opened ``av`` container is a raw elementary stream (no timestamps of its own)."""
    names = set((container.format.name or "").split(","))
    return bool(names & RAW_FORMATS)


def stream_rate(container: Any, stream: Any, asked: Fraction | None = None) -> Fraction:
    """Frames per second of ``stream``: for containers their average rate; for raw streams the rate asked
    for, else the rate of the stream's headers, else 25."""
    if is_raw(container):
        return Fraction(asked or stream.guessed_rate or stream.average_rate or DEFAULT_RATE)
    return Fraction(stream.average_rate or stream.guessed_rate or stream.base_rate or Fraction(30))


def count_pictures(path: str, container: Any) -> int:
    """Pictures in a raw stream, counted by parsing it once without decoding (its headers announce no
    count); 0 for containers, whose count comes from their index."""
    import av

    if not is_raw(container):
        return 0
    try:
        with av.open(path, format=container.format.name) as again:
            return sum(1 for packet in again.demux(video=0) if packet.size)
    except (av.FFmpegError, OSError):
        return 0  # unknown: the progress line shows no total
