"""What a reader yields and tells: :class:`VideoInfo` before decoding, :class:`Frame` per picture."""
from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Iterator, Protocol

import numpy as np


@dataclass(frozen=True)
class ColorTags:
    """FFmpeg colour tags (``AVColorRange``/``AVColorSpace``/... integers; 2 or 0 = unspecified)."""

    range: int = 0
    space: int = 2
    primaries: int = 2
    trc: int = 2


@dataclass(frozen=True)
class VideoInfo:
    """What an input is, known before decoding.

    Attributes:
        path: the input (file, folder or glob).
        width, height: size of the pictures the reader yields (display orientation).
        frame_rate: exact average frame rate; for variable frame rate the timestamps are the truth.
        time_base: unit of :attr:`Frame.pts`.
        frame_count: number of frames the container announces (0 when unknown).
        rotation: display rotation of the source in degrees counter-clockwise (already applied).
        bit_depth: bits per component of the source; pictures are ``uint16`` when above 8.
        color: colour tags of the source.
        has_audio: whether the source has an audio stream to carry over.
        codec: decoder name (``"image"`` for sequences).
        clip_start, clip_end: for a reader of a time range, the source times (seconds, on the
            container's clock) where the range's first frame and its end lie; writers cut the audio
            there. ``None``: the whole input.
    """

    path: Path
    width: int
    height: int
    frame_rate: Fraction
    time_base: Fraction
    frame_count: int = 0
    rotation: int = 0
    bit_depth: int = 8
    color: ColorTags = field(default_factory=ColorTags)
    has_audio: bool = False
    codec: str = ""
    clip_start: float | None = None
    clip_end: float | None = None


@dataclass
class Frame:
    """One decoded picture.

    Attributes:
        image: ``uint8`` (or ``uint16`` for deep sources) array ``[H, W, 3]`` (``[H, W, 4]`` RGBA when
            the reader was asked for alpha), upright.
        pts: presentation timestamp in units of ``time_base``.
        time_base: unit of ``pts``.
        index: position in decoding order, from 0.
    """

    image: np.ndarray
    pts: int
    time_base: Fraction
    index: int

    @property
    def time(self) -> float:
        """Presentation time in seconds."""
        return float(self.pts * self.time_base)


class Reader(Protocol):
    """What :func:`open_reader` returns."""

    info: VideoInfo

    def __iter__(self) -> Iterator[Frame]: ...

    def close(self) -> None: ...

    def __enter__(self) -> "Reader": ...

    def __exit__(self, *exc: object) -> None: ...
