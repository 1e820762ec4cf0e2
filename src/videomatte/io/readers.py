"""Readers: a video file (PyAV) or an image sequence, yielding upright RGB pictures with exact timing.

Both readers are context managers and iterables of :class:`Frame`. A :class:`VideoInfo` describes the
input before decoding starts: display size (after rotation), exact rational frame rate, time base,
colour tags and audio, which writers use to make an output that matches its input.
"""
from __future__ import annotations

import glob
import logging
import os
from fractions import Fraction
from pathlib import Path
from typing import Iterator

import numpy as np

from videomatte.errors import MediaError
from videomatte.io.files import is_image
from videomatte.io.images import ImageSequenceReader, load_image
from videomatte.io.raw_streams import count_pictures, stream_rate
from videomatte.io.stream import ColorTags, Frame, Reader, VideoInfo

__all__ = ["ColorTags", "Frame", "ImageSequenceReader", "Reader", "VideoInfo", "VideoReader", "load_image",
           "open_reader", "read_frames", "count_frames"]


def open_reader(source: str | os.PathLike, frame_rate: Fraction | None = None) -> Reader:
    """Open a video file, an image folder or an image glob.

    Args:
        source: a video file, a folder of images, or a glob such as ``"shots/*.png"``.
        frame_rate: frame rate given to image sequences (default 30) and to raw elementary streams
            without timestamps (default: the rate their headers declare); ignored for other videos.

    Raises:
        MediaError: the input is missing, empty, unreadable or has no pictures.
    """
    text = os.fspath(source)
    path = Path(text)
    if path.is_dir() or (not path.exists() and glob.has_magic(text)):
        return ImageSequenceReader(text, frame_rate or Fraction(30))
    if is_image(path):
        return ImageSequenceReader(text, frame_rate or Fraction(30))
    return VideoReader(path, frame_rate=frame_rate)


_HD_HEIGHT = 720  # unspecified colour matrix: BT.709 from this height up, BT.601 below (as players do)


def _fail(path: Path, what: str, err: Exception | None = None) -> MediaError:
    detail = f" ({err})" if err is not None else ""
    return MediaError(f"{path}: {what}{detail}")


def _check_file(path: Path) -> None:
    if not path.exists():
        raise _fail(path, "no such file")
    if path.is_dir():
        raise _fail(path, "is a folder with no images")
    if path.stat().st_size == 0:
        raise _fail(path, "file is empty")


class VideoReader:
    """Frames of the first video stream of a file, decoded by PyAV (FFmpeg).

    Pictures come out upright (display rotation applied), in RGB (``rgb24``, or ``rgb48`` as ``uint16``
    for sources deeper than 8 bits), converted with the source's own colour matrix and range.
    With ``alpha=True`` they are RGBA, decoding VP9 alpha through libvpx.

    Raises:
        MediaError: missing, empty, unreadable, corrupt or truncated file, or no video stream.
    """

    def __init__(self, path: str | os.PathLike, alpha: bool = False, frame_rate: Fraction | None = None) -> None:
        import av

        self.path = Path(path)
        self._asked_rate = frame_rate  # used only by streams without timestamps (io.raw_streams)
        self._lost, self._skipped = 0, None  # frames lost before the first one that decodes (see _frames)
        _check_file(self.path)
        try:
            self._container = av.open(os.fspath(self.path))
        except (av.FFmpegError, OSError) as err:
            raise _fail(self.path, "not a readable video", err) from err
        if not self._container.streams.video:
            self._container.close()
            raise _fail(self.path, "has no video stream")
        self._stream = self._container.streams.video[0]
        self._stream.thread_type = "AUTO"
        self._alpha = alpha
        self._decoder = self._alpha_decoder() if alpha else None
        self.info = self._probe()

    def _alpha_decoder(self):  # noqa: ANN202 - an av CodecContext or None
        import av

        if self._stream.codec_context.name != "vp9" or self._stream.metadata.get("alpha_mode") != "1":
            return None
        decoder = av.CodecContext.create("libvpx-vp9", "r")
        decoder.extradata = self._stream.codec_context.extradata
        return decoder

    def _first_frame(self):  # noqa: ANN202 - an av VideoFrame
        try:
            frame = next(iter(self._frames()), None)
        except MediaError:
            frame = None
        if frame is None:
            self.close()
            raise _fail(self.path, "no video frame could be decoded")
        self._rewind()
        return frame

    def _rewind(self) -> None:
        """Back to the first packet; a raw elementary stream cannot seek, so it is opened again."""
        import av

        try:
            self._container.seek(0)
        except (av.FFmpegError, OSError):
            name = self._container.format.name
            self._container.close()
            self._container = av.open(os.fspath(self.path), format=name)
            self._stream = self._container.streams.video[0]
            self._stream.thread_type = "AUTO"
        if self._decoder is not None:
            self._decoder.flush_buffers()
        self._stream.codec_context.flush_buffers()

    def _probe(self) -> VideoInfo:
        import av

        first = self._first_frame()
        stream = self._stream  # after the first frame: a raw stream is opened again to rewind
        rotation = int(first.rotation or 0) % 360
        width, height = (first.height, first.width) if rotation in (90, 270) else (first.width, first.height)
        self._rotation = rotation
        self._depth = av.VideoFormat(stream.codec_context.pix_fmt or first.format.name).components[0].bits
        self._space = first.colorspace if first.colorspace not in (0, 2) else (1 if height >= _HD_HEIGHT else 5)
        self._range = first.color_range or (2 if (stream.codec_context.pix_fmt or "").startswith("yuvj") else 1)
        rate = stream_rate(self._container, stream, self._asked_rate)
        return VideoInfo(
            path=self.path, width=width, height=height, frame_rate=Fraction(rate),
            time_base=Fraction(stream.time_base), rotation=rotation,
            frame_count=int(stream.frames or 0) or count_pictures(os.fspath(self.path), self._container),
            bit_depth=self._depth,
            color=ColorTags(first.color_range, first.colorspace, first.color_primaries, first.color_trc),
            has_audio=bool(self._container.streams.audio), codec=stream.codec_context.name,
        )

    def _frames(self) -> Iterator:
        """Decoded av frames, with demux/decode errors turned into MediaError and truncation detected."""
        import av

        packets = 0
        decoded = 0
        start = None  # the earliest timestamp demuxed before the first frame came out
        try:
            for packet in self._container.demux(self._stream):
                if packet.size:
                    packets += 1
                if not decoded and packet.pts is not None:
                    start = packet.pts if start is None else min(start, packet.pts)
                try:
                    frames = self._decode(packet)
                except av.FFmpegError:
                    if decoded:
                        raise
                    continue  # a damaged leading packet: decode from the first frame that decodes
                for frame in frames:
                    if not decoded:
                        self._skipped = None if None in (start, frame.pts) else frame.pts - start
                    decoded += 1
                    yield frame
        except av.FFmpegError as err:
            raise _fail(self.path, f"corrupt or truncated video after {decoded} frames", err) from err
        announced = int(self._stream.frames or 0)
        if decoded and self._skipped is None:  # no timestamps: what the packets did not give
            self._lost = max(max(packets, announced) - decoded, 0)
        if announced and packets < announced:
            raise _fail(self.path, f"truncated video: {packets} of {announced} frames present")

    def _decode(self, packet) -> list:  # noqa: ANN001 - an av Packet; returns av VideoFrames
        if self._decoder is not None:
            return self._decoder.decode(packet if packet.size else None)
        return packet.decode()

    def _picture(self, frame) -> np.ndarray:  # noqa: ANN001 - an av VideoFrame
        deep = self._depth > 8
        fmt = ("rgba64le" if deep else "rgba") if self._alpha else ("rgb48le" if deep else "rgb24")
        picture = frame.to_ndarray(format=fmt, src_colorspace=self._space, src_color_range=self._range)
        if self._rotation:
            picture = np.ascontiguousarray(np.rot90(picture, k=self._rotation // 90))
        return picture

    def __iter__(self) -> Iterator[Frame]:
        step = int(round(1 / (self.info.frame_rate * self.info.time_base))) if self.info.frame_rate else 1
        last, concealed, index = None, 0, -1
        for index, frame in enumerate(self._frames()):
            pts = frame.pts if frame.pts is not None else (0 if last is None else last + step)
            last = pts
            concealed += bool(frame.is_corrupt)
            yield Frame(image=self._picture(frame), pts=pts, time_base=self.info.time_base, index=index)
        lost = self._lost if self._skipped is None else round(self._skipped * self.info.time_base * self.info.frame_rate)
        if lost > 0:
            logging.getLogger("videomatte").warning(
                "warning: %s: %d damaged frames at the start did not decode; matted from the first frame "
                "that decodes (%d frames)", self.path, lost, index + 1)
        if concealed:
            logging.getLogger("videomatte").warning(
                "warning: %s: %d of %d frames were damaged; the decoder concealed the damage",
                self.path, concealed, index + 1)

    def close(self) -> None:
        """Release the file."""
        self._container.close()

    def __enter__(self) -> "VideoReader":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def read_frames(source: str | os.PathLike, limit: int | None = None) -> Iterator[np.ndarray]:
    """The pictures of a video, an image folder or glob, or one image: ``uint8`` ``[H, W, 3]`` RGB (uint16
    for deep sources), upright, at most ``limit`` of them.

    Raises:
        MediaError: the source cannot be read.
    """
    with open_reader(source) as reader:
        for index, frame in enumerate(reader):
            if limit is not None and index >= limit:
                return
            yield frame.image


def count_frames(source: str | os.PathLike) -> int:
    """Number of decodable pictures of ``source`` (decodes a video to the end)."""
    with open_reader(source) as reader:
        return sum(1 for _ in reader._frames()) if isinstance(reader, VideoReader) else len(reader.files)
