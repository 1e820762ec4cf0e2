"""Writers: video files (ProRes 4444, VP9, H.264/H.265, FFV1, PNG-in-MOV) and PNG/TIFF sequences
(``io.image_sequence``); ``open_writer`` picks one by the output's name.

Every writer is a context manager that writes under a temporary name in the destination folder and
renames it to the final name only when the block ends without an exception; on an error or Ctrl-C the
temporary file is deleted. An existing output is refused unless ``overwrite=True``.
"""
from __future__ import annotations

import os
from fractions import Fraction
from pathlib import Path
from typing import Protocol

import numpy as np

from videomatte.io.alpha_plane import DIRECT_ALPHA_BITS, put_alpha_plane
from videomatte.io.codecs import CONTAINERS, CodecSpec, codec_for, is_sequence_path
from videomatte.io.image_sequence import ImageSequenceWriter
from videomatte.io.output_paths import check_output, media_error
from videomatte.io.partials import temporary_path as _temporary
from videomatte.io.stills import StillWriter, is_still_output
from videomatte.io.stream import VideoInfo


class Writer(Protocol):
    """What :func:`open_writer` returns."""

    path: Path
    deep: bool  # whether it wants uint16 pictures (it accepts uint8 too)

    def write(self, picture: np.ndarray, pts: int, time_base: Fraction) -> None: ...

    def __enter__(self) -> "Writer": ...

    def __exit__(self, *exc: object) -> None: ...


def open_writer(path: str | os.PathLike, info: VideoInfo, *, alpha: bool, codec: str | None = None,
                crf: int | None = None, overwrite: bool = False, audio: bool = True) -> Writer:
    """A writer for ``path``, chosen by its extension (a trailing ``/`` means an image sequence, a picture
    suffix such as ``.png`` one photo).

    Args:
        path: output file or folder.
        info: the input's description: size, frame rate, time base, colour tags, audio.
        alpha: whether pictures will carry alpha (RGBA); ignored for codecs without alpha.
        codec: override of the container's default codec (``"h265"``, ``"png"``, ``"tiff"`` ...).
        crf: quality setting for codecs that have one (lower is better).
        overwrite: replace an existing output.
        audio: copy the input's audio into video outputs.
    """
    if is_sequence_path(path):
        return ImageSequenceWriter(path, codec or "png", overwrite=overwrite)
    if is_still_output(path):
        return StillWriter(check_output(path, overwrite))
    spec = codec_for(path, codec)
    return VideoWriter(path, info, spec, alpha=alpha, crf=crf, overwrite=overwrite, audio=audio)


class VideoWriter:
    """Encodes pictures into a video file with the input's timestamps, colour tags and audio.

    ``write`` takes ``uint8``/``uint16`` pictures ``[H, W, C]`` with C = 1 (gray), 3 (RGB) or 4 (RGBA).
    """

    def __init__(self, path: str | os.PathLike, info: VideoInfo, spec: CodecSpec, *, alpha: bool,
                 crf: int | None = None, overwrite: bool = False, audio: bool = True) -> None:
        self.path = check_output(path, overwrite)
        self.info, self.spec = info, spec
        self.alpha = alpha and spec.alpha_pix_fmt is not None
        self.crf = spec.default_crf if crf is None else crf
        self.audio_copied: bool | None = None
        self._want_audio = audio and info.has_audio
        self.deep = spec.deep
        self._temp = _temporary(self.path, self.path.suffix)
        self._container = None
        self._last_pts: int | None = None

    def __enter__(self) -> "VideoWriter":
        import av

        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._container = av.open(os.fspath(self._temp), "w", format=CONTAINERS[self.path.suffix.lower()])
            self._stream = self._add_video_stream()
            self._audio = self._add_audio()
        except (av.FFmpegError, OSError) as err:
            self._abort()
            raise media_error(self.path, err) from err
        return self

    def _pix_fmt(self) -> str:
        odd = self.info.width % 2 or self.info.height % 2
        return self.spec.alpha_pix_fmt if self.alpha else (self.spec.pix_fmt_odd if odd else self.spec.pix_fmt)

    def _add_video_stream(self):  # noqa: ANN202 - av VideoStream
        options = {k: v.replace("{crf}", str(self.crf)) for k, v in self.spec.options.items()}
        stream = self._container.add_stream(self.spec.encoder, rate=self.info.frame_rate, options=options)
        stream.width, stream.height = self.info.width, self.info.height
        stream.pix_fmt = self._pix_fmt()
        ctx = stream.codec_context
        ctx.time_base = self.info.time_base
        stream.time_base = self.info.time_base
        tags = self.info.color
        self._space = tags.space if tags.space not in (0, 2) else (1 if self.info.height >= 720 else 6)
        self._range = 2 if (tags.range == 2 and self.spec.full_range) else 1
        if not self.spec.rgb:
            ctx.colorspace, ctx.color_range = self._space, self._range
            ctx.color_primaries, ctx.color_trc = tags.primaries, tags.trc
        return stream

    def _add_audio(self):  # noqa: ANN202 - AudioPassthrough or None
        if not self._want_audio:
            return None
        from videomatte.io.audio import AudioPassthrough

        audio = AudioPassthrough(self.info.path, self._container, CONTAINERS[self.path.suffix.lower()],
                                 start=self.info.clip_start, end=self.info.clip_end)
        self.audio_copied = audio.copied
        return audio

    def _frame(self, picture: np.ndarray):  # noqa: ANN202 - av VideoFrame
        import av

        if picture.ndim == 3 and picture.shape[-1] == 1:
            picture = picture[..., 0]
        channels = 1 if picture.ndim == 2 else picture.shape[-1]
        if channels == 4 and not self.alpha:
            picture, channels = picture[..., :3], 3
        deep = picture.dtype == np.uint16
        fmt = {1: ("gray", "gray16le"), 3: ("rgb24", "rgb48le"), 4: ("rgba", "rgba64le")}[channels][deep]
        frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(picture), format=fmt)
        if self.spec.rgb:
            return frame.reformat(format=self._stream.pix_fmt)
        converted = frame.reformat(format=self._stream.pix_fmt, dst_colorspace=self._space,
                                   dst_color_range=self._range)
        if channels == 4 and self._stream.pix_fmt in DIRECT_ALPHA_BITS:
            put_alpha_plane(converted, picture[..., 3], DIRECT_ALPHA_BITS[self._stream.pix_fmt])
        return converted

    def write(self, picture: np.ndarray, pts: int, time_base: Fraction) -> None:
        """Encode one picture shown at ``pts * time_base`` seconds.

        Args:
            picture: ``uint8``/``uint16`` ``[H, W, C]``, C in (1, 3, 4), the size given by ``info``.
            pts: presentation timestamp; kept as-is (rescaled if ``time_base`` differs from the input's).
            time_base: unit of ``pts``.
        """
        import av

        pts = int(Fraction(pts) * Fraction(time_base) / self.info.time_base)
        if self._last_pts is not None and pts <= self._last_pts:
            pts = self._last_pts + 1
        self._last_pts = pts
        try:
            frame = self._frame(picture)
            frame.pts, frame.time_base = pts, self.info.time_base
            if self._audio is not None:
                self._audio.pump(float(pts * self.info.time_base))
            self._container.mux(self._stream.encode(frame))
        except (av.FFmpegError, OSError) as err:
            raise media_error(self.path, err) from err

    def _finish(self) -> None:
        self._container.mux(self._stream.encode(None))
        if self._audio is not None:
            self._audio.finish()
        self._container.close()
        os.replace(self._temp, self.path)

    def _abort(self) -> None:
        for closer in (getattr(self, "_audio", None), self._container):
            try:
                if closer is not None:
                    closer.close()
            except Exception:  # noqa: BLE001 - already failing; the temporary goes away below
                pass
        try:
            self._temp.unlink(missing_ok=True)
        except OSError:  # a read-only filesystem refuses even to unlink what is not there
            pass

    def __exit__(self, exc_type: type | None, exc: BaseException | None, tb: object) -> None:
        import av

        if exc_type is not None:
            self._abort()
            return
        try:
            self._finish()
        except (av.FFmpegError, OSError) as err:
            self._abort()
            raise media_error(self.path, err) from err
