"""Carry the audio of an input into an output: stream copy when the container takes the codec,
otherwise re-encode (for example AAC to Opus for WebM). Packets are interleaved with the video as it
is written, so the muxer never buffers the whole soundtrack.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Iterator

_REENCODE_TO = {"webm": "libopus", "mov": "aac", "mp4": "aac", "matroska": "aac"}
_COPY_OK = {
    "webm": {"opus", "vorbis"},
    "mp4": {"aac", "mp3", "ac3", "eac3", "alac", "opus", "flac"},
    "mov": {"aac", "mp3", "ac3", "eac3", "alac", "pcm_s16le", "pcm_s24le", "pcm_s16be", "pcm_f32le"},
}


class AudioPassthrough:
    """Copies (or re-encodes) the first audio stream of ``source`` into ``output``.

    Create it before the first packet is muxed; call :meth:`pump` with the time of each video packet,
    then :meth:`finish` before closing the output. With ``start`` (seconds on the source's clock) only the
    packets from there to ``end`` are carried, shifted so that ``start`` becomes 0 (a time range).
    """

    def __init__(self, source: Path, output, container_format: str,  # noqa: ANN001 - av container
                 start: float | None = None, end: float | None = None) -> None:
        import av

        self._input = av.open(os.fspath(source))
        self._in_stream = self._input.streams.audio[0]
        self._cut = AudioCut(self._input, self._in_stream, start, end) if start is not None else None
        self._output = output
        codec = self._in_stream.codec_context.name
        self.copied = codec in _COPY_OK.get(container_format, {codec})
        if self.copied:
            self._out_stream = output.add_stream_from_template(self._in_stream)
        else:
            self._out_stream = self._encoder_stream(_REENCODE_TO[container_format])
        # Matroska cannot store negative times (the AAC priming packet): the muxer would shift every
        # stream, video included, so that packet is left out instead.
        self._drop_negative = container_format in ("webm", "matroska")
        self._packets = self._input.demux(self._in_stream)
        if self._cut is not None:
            self._packets = self._cut.packets(self._packets)
        self._pending = None
        self._done = False

    def _encoder_stream(self, encoder: str):  # noqa: ANN202 - av AudioStream
        ctx = self._in_stream.codec_context
        rate = 48000 if encoder == "libopus" else ctx.sample_rate
        stream = self._output.add_stream(encoder, rate=rate)
        stream.layout = ctx.layout.name if ctx.layout.nb_channels <= 2 else "stereo"
        return stream

    def _next(self):  # noqa: ANN202 - av Packet or None
        if self._pending is None and not self._done:
            self._pending = next(self._packets, None)
            if self._pending is None:
                self._done = True
        return self._pending

    def pump(self, until_seconds: float | None) -> None:
        """Write every audio packet that starts before ``until_seconds`` (all of them for ``None``)."""
        while (packet := self._next()) is not None:
            if until_seconds is not None and packet.pts is not None \
                    and float(packet.pts * packet.time_base) > until_seconds:
                return
            self._pending = None
            self._write(packet)

    def _write(self, packet) -> None:  # noqa: ANN001 - av Packet
        if self.copied:
            if packet.size == 0 or (self._drop_negative and packet.pts is not None and packet.pts < 0):
                return
            packet.stream = self._out_stream
            self._output.mux(packet)
            return
        for frame in packet.decode():
            self._output.mux(self._out_stream.encode(frame))

    def finish(self) -> None:
        """Write what is left of the soundtrack and flush the encoder."""
        self.pump(None)
        if not self.copied:
            self._output.mux(self._out_stream.encode(None))
        self.close()

    def close(self) -> None:
        """Release the input file."""
        self._input.close()


class AudioCut:
    """The packets of one audio stream between two source times, shifted so the first is at 0.

    Packets are kept whole (an AAC packet is about 21 ms), from the first that starts at or after
    ``start``; the input is sought there first, so nothing before it is read.
    """

    def __init__(self, container, stream, start: float, end: float | None) -> None:  # noqa: ANN001 - av objects
        from fractions import Fraction

        self._tb = Fraction(stream.time_base)
        self._start = round(Fraction(start) / self._tb)
        self._end = None if end is None else round(Fraction(end) / self._tb)
        container.seek(max(0, int(self._start)), stream=stream, backward=True, any_frame=False)

    def packets(self, packets: Iterator) -> Iterator:
        """The packets of ``packets`` inside the range, shifted to the range's clock (0 at ``start``)."""
        for packet in packets:
            if packet.size == 0:
                yield packet  # the end of the stream: flushes a re-encoding decoder
                continue
            if packet.pts is None:
                continue
            if self._end is not None and packet.pts >= self._end:
                return
            if packet.pts >= self._start:
                packet.pts -= self._start
                if packet.dts is not None:
                    packet.dts -= self._start
                yield packet
