"""Random access into an input: the timestamps of every frame, and the frames of a range read by seeking.

A conversion split into segments (``videomatte.cluster``) reads each segment on its own, on any
machine: :func:`open_seekable` gives a reader whose :meth:`~SeekableVideo.timestamps` lists the
presentation timestamps of all frames without decoding them (demuxing only), and whose
:meth:`~SeekableVideo.frames` decodes ``[start, stop)`` after a seek to the key frame before
``start``. The pictures, timestamps and indices are exactly those a sequential
:class:`~videomatte.io.readers.VideoReader` yields at the same positions.
"""
from __future__ import annotations

import bisect
import os
from fractions import Fraction
from typing import Iterator, Protocol

from videomatte.errors import MediaError
from videomatte.io.images import ImageSequenceReader
from videomatte.io.readers import VideoReader, open_reader
from videomatte.io.stream import Frame, VideoInfo


class Seekable(Protocol):
    """What :func:`open_seekable` returns (a context manager)."""

    info: VideoInfo

    def timestamps(self) -> list[int]: ...

    def frames(self, start: int, stop: int) -> Iterator[Frame]: ...

    def close(self) -> None: ...

    def __enter__(self) -> "Seekable": ...

    def __exit__(self, *exc: object) -> None: ...


def open_seekable(source: str | os.PathLike, frame_rate: Fraction | None = None) -> Seekable:
    """Open a video file or an image sequence for reading by ranges (see :func:`~videomatte.io.readers.open_reader`).

    Raises:
        MediaError: the input is missing, empty or unreadable.
    """
    reader = open_reader(source, frame_rate)
    if isinstance(reader, ImageSequenceReader):
        return SeekableImages(reader)
    reader.close()
    return SeekableVideo(os.fspath(source))


class SeekableImages:
    """An image sequence read by ranges: frame ``i`` is the ``i``-th file, at timestamp ``i``."""

    def __init__(self, reader: ImageSequenceReader) -> None:
        self._reader = reader
        self.info = reader.info

    def timestamps(self) -> list[int]:
        """``0, 1, ... n-1`` in units of ``info.time_base`` (one per file)."""
        return list(range(len(self._reader.files)))

    def frames(self, start: int, stop: int) -> Iterator[Frame]:
        """Frames ``start`` (included) to ``stop`` (excluded), with their indices in the whole sequence
        (only those files are read)."""
        for index in range(start, min(stop, len(self._reader.files))):
            yield self._reader.frame(index)

    def close(self) -> None:
        """Nothing to release."""

    def __enter__(self) -> "SeekableImages":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class SeekableVideo(VideoReader):
    """A video file read by ranges of frames (presentation order), with exact timestamps.

    Raises:
        MediaError: as :class:`~videomatte.io.readers.VideoReader`, or a frame without a timestamp.
    """

    def __init__(self, path: str | os.PathLike) -> None:
        super().__init__(path)
        self._stamps: list[int] | None = None

    def timestamps(self) -> list[int]:
        """Presentation timestamps of every frame, sorted, in units of ``info.time_base`` (demuxed, not decoded)."""
        import av

        if self._stamps is None:
            stamps = []
            try:
                self._container.seek(0)
                for packet in self._container.demux(self._stream):
                    if packet.size and packet.pts is None:
                        raise MediaError(f"{self.path}: frames without timestamps cannot be read by segments")
                    if packet.size:
                        stamps.append(int(packet.pts))
            except av.FFmpegError as err:
                raise MediaError(f"{self.path}: corrupt video ({err})") from err
            if not stamps:
                raise MediaError(f"{self.path}: no video frame found")
            self._stamps = sorted(stamps)
        return self._stamps

    def _seek_to(self, pts: int) -> None:
        """Position the demuxer on the key frame at or before ``pts`` and empty the decoder."""
        self._container.seek(pts, stream=self._stream, backward=True, any_frame=False)
        self._stream.codec_context.flush_buffers()

    def _decoded_from(self, pts: int) -> Iterator:
        """Decoded av frames from the key frame at or before ``pts`` on, in presentation order."""
        import av

        self._seek_to(pts)
        try:
            for packet in self._container.demux(self._stream):
                yield from packet.decode()
        except av.FFmpegError as err:
            raise MediaError(f"{self.path}: corrupt or truncated video near {pts} ({err})") from err

    def frames(self, start: int, stop: int) -> Iterator[Frame]:
        """Frames ``start`` (included) to ``stop`` (excluded) of the presentation order, decoded after one seek.

        Yields:
            :class:`Frame` with the same picture, ``pts`` and ``index`` as a sequential read gives there.

        Raises:
            MediaError: the range is outside the video, or frames are missing in it.
        """
        stamps = self.timestamps()
        stop = min(stop, len(stamps))
        if not 0 <= start < stop:
            raise MediaError(f"{self.path}: frames {start}..{stop} are outside its {len(stamps)} frames")
        wanted, expected = stamps[start], start
        for frame in self._decoded_from(wanted):
            if frame.pts is None or frame.pts < wanted:
                continue
            index = bisect.bisect_left(stamps, frame.pts)
            if index >= len(stamps) or stamps[index] != frame.pts or index != expected:
                raise MediaError(f"{self.path}: decoding after a seek gave frame {frame.pts}, expected "
                                 f"{stamps[min(expected, len(stamps) - 1)]}")
            yield Frame(image=self._picture(frame), pts=frame.pts, time_base=self.info.time_base, index=index)
            expected += 1
            if expected == stop:
                return
        raise MediaError(f"{self.path}: truncated video: frame {expected} of {len(stamps)} could not be decoded")
