"""A time range of an input (``--start``, ``--duration``): the frames from the start on, stamped from 0.

A video is sought to the key frame before the start (no decoding of what lies before it), frames
before the start are dropped, and the first frame kept is at timestamp 0. The reader's
``info.clip_start``/``clip_end`` tell the writers where to cut the audio, so that sound and
pictures stay together. An image sequence starts at the picture shown at the start time.
"""
from __future__ import annotations

import glob
import math
import os
from dataclasses import replace
from fractions import Fraction
from pathlib import Path
from typing import Iterator

from videomatte.errors import MediaError
from videomatte.io.files import is_image
from videomatte.io.images import ImageSequenceReader
from videomatte.io.readers import open_reader
from videomatte.io.seeking import SeekableVideo
from videomatte.io.stream import Frame, Reader
from videomatte.io.timecode import format_time, parse_range

_EPSILON = Fraction(1, 1_000_000)  # a microsecond: float seconds against exact frame times


def open_range(source: str | os.PathLike, frame_rate: Fraction | None = None, start: float | str | None = None,
               duration: float | str | None = None) -> Reader:
    """A reader of ``[start, start + duration)`` of a video or image sequence (all of it by default).

    Args:
        source: as :func:`~videomatte.io.readers.open_reader` takes it.
        frame_rate: frame rate of image sequences (default 30).
        start: seconds from the input's first frame, or a timecode (``None`` or 0: from the beginning).
        duration: seconds (or a timecode) to keep (``None``: to the end).

    Raises:
        OptionError: a time that is not one (see :func:`~videomatte.io.timecode.parse_range`).
        MediaError: the input cannot be read, or ``start`` is at or past its end.
    """
    start, duration = parse_range(start, duration)
    if not start and duration is None:
        return open_reader(source, frame_rate)
    text = os.fspath(source)
    path = Path(text)
    sequence = path.is_dir() or (not path.exists() and glob.has_magic(text)) or is_image(path)
    if sequence:
        return ImageRange(ImageSequenceReader(text, frame_rate or Fraction(30)), start or 0.0, duration)
    return VideoRange(path, start or 0.0, duration)


def _past_end(path: Path, start: float, length: float | None) -> MediaError:
    known = f" ({format_time(length)} long)" if length is not None else ""
    return MediaError(f"{path}: --start {format_time(start)} is at or past its end{known}")


class ImageRange:
    """The pictures of an image sequence shown from ``start`` for ``duration`` seconds, re-numbered from 0."""

    def __init__(self, reader: ImageSequenceReader, start: float, duration: float | None) -> None:
        rate = reader.info.frame_rate
        total = len(reader.files)
        self._first = math.ceil(Fraction(start) * rate - _EPSILON)
        end = total if duration is None else math.ceil(Fraction(start + duration) * rate - _EPSILON)
        self._stop = min(total, max(end, self._first + 1))
        if self._first >= total:
            raise _past_end(reader.info.path, start, float(total / rate))
        self._reader = reader
        self.info = replace(reader.info, frame_count=self._stop - self._first)

    def __iter__(self) -> Iterator[Frame]:
        for index in range(self._first, self._stop):
            frame = self._reader.frame(index)
            yield Frame(image=frame.image, pts=index - self._first, time_base=frame.time_base,
                        index=index - self._first)

    def close(self) -> None:
        """Release the sequence."""
        self._reader.close()

    def __enter__(self) -> "ImageRange":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class VideoRange(SeekableVideo):
    """The frames of a video from ``start`` (seconds after its first frame) for ``duration`` seconds.

    Yields:
        :class:`Frame` with ``pts`` counted from the first frame kept (0) and ``index`` from 0.

    Raises:
        MediaError: as :class:`~videomatte.io.readers.VideoReader`, or ``start`` at or past the end.
    """

    def __init__(self, path: str | os.PathLike, start: float, duration: float | None) -> None:
        super().__init__(path)
        tb = self.info.time_base
        self._origin = int(self._stream.start_time or 0)
        self._begin = self._origin + Fraction(start) / tb
        self._end = None if duration is None else self._origin + Fraction(start + duration) / tb
        first = self._first_kept(start)
        self._first_pts = first
        end_seconds = None if self._end is None else float(self._end * tb)
        frames = self._expected_frames(start, duration)
        self.info = replace(self.info, frame_count=frames, clip_start=float(first * tb), clip_end=end_seconds)

    def _length(self) -> float | None:
        """Seconds from the first frame to the end, when the container says."""
        if self._stream.duration:
            return float(self._stream.duration * self.info.time_base)
        if self._container.duration:
            return self._container.duration / 1_000_000
        return None

    def _first_kept(self, start: float) -> int:
        """The timestamp of the first frame at or after the start (decodes from the key frame before it)."""
        length = self._length()
        if length is not None and start >= length:
            self.close()
            raise _past_end(self.path, start, length)
        for frame in self._decoded_from(int(self._begin)):
            if frame.pts is not None and frame.pts >= self._begin - _EPSILON / self.info.time_base:
                if self._end is not None and frame.pts >= self._end:
                    break
                return int(frame.pts)
        self.close()
        raise _past_end(self.path, start, length)

    def _expected_frames(self, start: float, duration: float | None) -> int:
        rate = self.info.frame_rate
        if duration is not None:
            return max(1, round(duration * rate))
        total = self.info.frame_count
        return max(1, total - round(start * rate)) if total else 0

    def __iter__(self) -> Iterator[Frame]:
        index = 0
        for frame in self._decoded_from(self._first_pts):
            if frame.pts is None or frame.pts < self._first_pts:
                continue
            if self._end is not None and frame.pts >= self._end:
                return
            yield Frame(image=self._picture(frame), pts=int(frame.pts) - self._first_pts,
                        time_base=self.info.time_base, index=index)
            index += 1
