"""Readers: a video file (PyAV) or an image sequence, yielding upright RGB pictures with exact timing.

Both readers are context managers and iterables of :class:`Frame`. A :class:`VideoInfo` describes the
input before decoding starts: display size (after rotation), exact rational frame rate, time base,
colour tags and audio, which writers use to make an output that matches its input.
"""
from __future__ import annotations

import glob
import logging
import os
import re
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Iterator, Protocol

import numpy as np

from videomatte.errors import MediaError
from videomatte.io.frames import to_rgb

IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".webp"})


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


def open_reader(source: str | os.PathLike, frame_rate: Fraction | None = None) -> Reader:
    """Open a video file, an image folder or an image glob.

    Args:
        source: a video file, a folder of images, or a glob such as ``"shots/*.png"``.
        frame_rate: frame rate given to image sequences (default 30); ignored for videos.

    Raises:
        MediaError: the input is missing, empty, unreadable or has no pictures.
    """
    text = os.fspath(source)
    path = Path(text)
    if path.is_dir() or (not path.exists() and glob.has_magic(text)):
        return ImageSequenceReader(text, frame_rate or Fraction(30))
    if path.suffix.lower() in IMAGE_SUFFIXES:
        return ImageSequenceReader(text, frame_rate or Fraction(30))
    return VideoReader(path)


def _natural_key(path: Path) -> list[object]:
    return [int(part) if part.isdigit() else part.lower() for part in re.split(r"(\d+)", path.name)]


def list_images(source: str) -> list[Path]:
    """Image files of a folder or glob, in natural order (``2.png`` before ``10.png``)."""
    path = Path(source)
    candidates = path.iterdir() if path.is_dir() else (Path(p) for p in glob.glob(source))
    files = [p for p in candidates if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES]
    return sorted(files, key=_natural_key)


def load_image(path: Path) -> np.ndarray:
    """One image file as an upright RGB picture.

    Returns:
        ``uint8`` ``[H, W, 3]``, or ``uint16`` for 16-bit gray images. EXIF orientation is applied;
        palette, gray and alpha images are converted to RGB (alpha is dropped).

    Raises:
        MediaError: the file is not a readable image.
    """
    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        with Image.open(path) as img:
            img = ImageOps.exif_transpose(img)
            if img.mode in ("I;16", "I;16B", "I;16L", "I"):
                return to_rgb(np.asarray(img).clip(0, 65535).astype(np.uint16))
            return np.array(img.convert("RGB"))
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as err:
        raise MediaError(f"{path}: not a readable image ({err})") from err


class ImageSequenceReader:
    """Pictures from a folder or glob of images, with timestamps ``0, 1, 2...`` at ``frame_rate``.

    Every image must have the size of the first one.
    """

    def __init__(self, source: str, frame_rate: Fraction = Fraction(30)) -> None:
        if not glob.has_magic(source) and not Path(source).exists():
            raise MediaError(f"{source}: no such file or folder")
        self.files = list_images(source)
        if not self.files:
            raise MediaError(f"{source}: no images found (looked for {', '.join(sorted(IMAGE_SUFFIXES))})")
        first = load_image(self.files[0])
        self._first = first
        rate = Fraction(frame_rate)
        self.info = VideoInfo(
            path=Path(source), width=first.shape[1], height=first.shape[0], frame_rate=rate,
            time_base=1 / rate, frame_count=len(self.files), bit_depth=8 * first.dtype.itemsize,
            codec="image",
        )

    def __iter__(self) -> Iterator[Frame]:
        size = self._first.shape[:2]
        for index, path in enumerate(self.files):
            image = self._first if index == 0 else load_image(path)
            if image.shape[:2] != size:
                raise MediaError(
                    f"{path}: is {image.shape[1]}x{image.shape[0]} but the sequence is {size[1]}x{size[0]}"
                )
            yield Frame(image=image, pts=index, time_base=self.info.time_base, index=index)

    def close(self) -> None:
        """Nothing to release; present for symmetry with the video reader."""

    def __enter__(self) -> "ImageSequenceReader":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


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

    def __init__(self, path: str | os.PathLike, alpha: bool = False) -> None:
        import av

        self.path = Path(path)
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
        self._container.seek(0)
        if self._decoder is not None:
            self._decoder.flush_buffers()
        self._stream.codec_context.flush_buffers()
        return frame

    def _probe(self) -> VideoInfo:
        import av

        stream = self._stream
        first = self._first_frame()
        rotation = int(first.rotation or 0) % 360
        width, height = (first.height, first.width) if rotation in (90, 270) else (first.width, first.height)
        self._rotation = rotation
        self._depth = av.VideoFormat(stream.codec_context.pix_fmt or first.format.name).components[0].bits
        self._space = first.colorspace if first.colorspace not in (0, 2) else (1 if height >= _HD_HEIGHT else 5)
        self._range = first.color_range or (2 if (stream.codec_context.pix_fmt or "").startswith("yuvj") else 1)
        rate = stream.average_rate or stream.guessed_rate or stream.base_rate or Fraction(30)
        return VideoInfo(
            path=self.path, width=width, height=height, frame_rate=Fraction(rate),
            time_base=Fraction(stream.time_base), frame_count=int(stream.frames or 0), rotation=rotation,
            bit_depth=self._depth,
            color=ColorTags(first.color_range, first.colorspace, first.color_primaries, first.color_trc),
            has_audio=bool(self._container.streams.audio), codec=stream.codec_context.name,
        )

    def _frames(self) -> Iterator:
        """Decoded av frames, with demux/decode errors turned into MediaError and truncation detected."""
        import av

        packets = 0
        decoded = 0
        try:
            for packet in self._container.demux(self._stream):
                if packet.size:
                    packets += 1
                frames = self._decoder.decode(packet if packet.size else None) if self._decoder else packet.decode()
                for frame in frames:
                    decoded += 1
                    yield frame
        except av.FFmpegError as err:
            raise _fail(self.path, f"corrupt or truncated video after {decoded} frames", err) from err
        announced = int(self._stream.frames or 0)
        if announced and packets < announced:
            raise _fail(self.path, f"truncated video: {packets} of {announced} frames present")

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
