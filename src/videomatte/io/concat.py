"""Joining encoded parts of one video by packet copy: no decoding, no encoding.

Each part is a file of the final codec and container whose first frame is a key frame and whose
last group of pictures is closed (every part is a whole stream of its own, encoded with the same
settings). Their packets are copied in order into one output, the video timestamps rewritten from
the input's exact ones, the input's audio muxed in between as :class:`~videomatte.io.writers.VideoWriter`
does. Like every writer, the output appears under its final name only when complete.
"""
from __future__ import annotations

import bisect
import os
from fractions import Fraction
from pathlib import Path
from typing import Iterator

from videomatte.errors import MediaError
from videomatte.io.codecs import CONTAINERS
from videomatte.io.stream import VideoInfo

LOOKAHEAD = 16  # packets read before the first is written: enough to see an encoder's reordering


class PacketJoiner:
    """Copies the packets of parts into ``path`` (a context manager, like the writers).

    Args:
        path: the output (its extension picks the container, as for :func:`open_writer`).
        info: the input's description (time base, audio).
        overwrite: replace an existing output.
        audio: copy the input's audio.
    """

    def __init__(self, path: str | os.PathLike, info: VideoInfo, *, overwrite: bool = False,
                 audio: bool = True) -> None:
        from videomatte.io.partials import temporary_path
        from videomatte.io.writers import check_output

        self.path = check_output(path, overwrite)
        self.info = info
        self.format = CONTAINERS[self.path.suffix.lower()]
        self._want_audio = audio and info.has_audio
        self._temp = temporary_path(self.path, self.path.suffix)
        self._container = self._stream = self._audio = None
        self._extradata: bytes | None = None
        self._last_dts: int | None = None
        self._delay: int | None = None  # decoding-order delay (input time base), B-frame codecs
        self.frames = 0

    def __enter__(self) -> "PacketJoiner":
        import av

        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._container = av.open(os.fspath(self._temp), "w", format=self.format)
        except (av.FFmpegError, OSError) as err:
            self._abort()
            raise MediaError(f"{self.path}: cannot write ({err})") from err
        return self

    def _open_stream(self, template) -> None:  # noqa: ANN001 - av VideoStream
        self._stream = self._container.add_stream_from_template(template)
        self._stream.time_base = self.info.time_base
        if template.metadata.get("alpha_mode") == "1":  # VP9 alpha lives in Matroska block additions,
            self._stream.codec_context.pix_fmt = "yuva420p"  # which the muxer writes for alpha formats
        self._extradata = template.codec_context.extradata
        if self._want_audio:
            from videomatte.io.audio import AudioPassthrough

            self._audio = AudioPassthrough(self.info.path, self._container, self.format)

    def add(self, part: str | os.PathLike, stamps: list[int]) -> None:
        """Copy every video packet of ``part``, whose frames are shown at ``stamps`` (input time base).

        Raises:
            MediaError: the part is unreadable, was encoded with other parameters than the first part,
                or holds another number of frames than ``stamps``.
        """
        import av

        try:
            with av.open(os.fspath(part)) as source:
                stream = source.streams.video[0]
                if self._stream is None:
                    self._open_stream(stream)
                elif stream.codec_context.extradata != self._extradata:
                    raise MediaError(f"{part}: encoded with other parameters than the first part; "
                                     "cannot be joined by packet copy")
                copied = self._copy(source.demux(stream), stamps, Path(part))
        except av.FFmpegError as err:
            raise MediaError(f"{part}: cannot be read for joining ({err})") from err
        if copied != len(stamps):
            raise MediaError(f"{part}: holds {copied} frames, {len(stamps)} were planned")
        self.frames += copied

    def _copy(self, packets: Iterator, stamps: list[int], part: Path) -> int:
        """Mux the packets of one part; returns how many frames it held.

        A packet's new ``pts`` is the input's stamp nearest to its own time (less the part's offset); the
        ``dts`` of the k-th packet in decoding order is the k-th stamp less the part's reordering delay,
        read from its first :data:`LOOKAHEAD` packets (B-frames), as encoders set it.
        """
        held: list = []
        offset, copied = None, 0
        for packet in packets:
            if packet.size == 0 or packet.pts is None:
                continue
            shown = packet.pts * packet.time_base
            if offset is None:  # a part starts with its key frame, the first frame shown
                offset = shown - stamps[0] * self.info.time_base
            if copied + len(held) >= len(stamps):
                raise MediaError(f"{part}: holds more frames than the {len(stamps)} planned")
            held.append((packet, _nearest(stamps, (shown - offset) / self.info.time_base)))
            if len(held) == LOOKAHEAD or self._delay is not None and copied:
                copied = self._flush(held, stamps, copied, part)
        return self._flush(held, stamps, copied, part)

    def _flush(self, held: list, stamps: list[int], copied: int, part: Path) -> int:
        if not held:
            return copied
        if copied == 0:  # the part's reordering delay, kept when a later part shows less of it
            delay = max(stamps[k] - pts for k, (_, pts) in enumerate(held))
            self._delay = max(delay, self._delay or 0)
        for packet, pts in held:
            dts = stamps[copied] - self._delay
            if self._last_dts is not None and dts <= self._last_dts:
                dts = self._last_dts + 1
            if dts > pts:
                raise MediaError(f"{part}: its decoding order cannot be kept at frame {pts}")
            self._last_dts = dts
            if self._audio is not None:
                self._audio.pump(float(pts * self.info.time_base))
            packet.stream, packet.time_base, packet.pts, packet.dts = self._stream, self.info.time_base, pts, dts
            self._container.mux(packet)
            copied += 1
        held.clear()
        return copied

    def _abort(self) -> None:
        for closer in (self._audio, self._container):
            try:
                if closer is not None:
                    closer.close()
            except Exception:  # noqa: BLE001 - already failing; the temporary goes away below
                pass
        self._temp.unlink(missing_ok=True)

    def __exit__(self, exc_type: type | None, exc: BaseException | None, tb: object) -> None:
        import av

        if exc_type is not None or self._stream is None:
            self._abort()
            if exc_type is None:
                raise MediaError(f"{self.path}: nothing to join")
            return
        try:
            if self._audio is not None:
                self._audio.finish()
            self._container.close()
            os.replace(self._temp, self.path)
        except (av.FFmpegError, OSError) as err:
            self._abort()
            raise MediaError(f"{self.path}: cannot write ({err})") from err


def _nearest(stamps: list[int], value: Fraction) -> int:
    """The stamp closest to ``value`` (containers may round timestamps, e.g. Matroska to milliseconds)."""
    index = bisect.bisect_left(stamps, value)
    candidates = stamps[max(0, index - 1):index + 1]
    return min(candidates, key=lambda stamp: abs(stamp - value))
