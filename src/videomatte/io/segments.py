"""Lossless intermediate files for a conversion split into segments.

A segment is stored as two files side by side: ``NAME.mkv``, FFV1 with 16-bit RGBA (the foreground in
RGB, the alpha in A, straight), and ``NAME.json``, the exact presentation timestamps of its frames
(Matroska keeps milliseconds only). Both are written under temporary names and renamed, the JSON last,
so a segment whose JSON exists is complete: a rerun after a crash skips it.
"""
from __future__ import annotations

import dataclasses
import json
import os
from fractions import Fraction
from pathlib import Path
from typing import Iterator

import numpy as np

from videomatte.errors import MediaError
from videomatte.io.codecs import CodecSpec
from videomatte.io.files import write_atomically
from videomatte.io.stream import VideoInfo
from videomatte.io.writers import VideoWriter

# 16 bits per channel, RGB planes plus alpha: a 0..1 float is kept to 1/65535 (7.6e-6 at worst).
LOSSLESS_RGBA16 = CodecSpec("ffv1", "gbrp16le", "gbrp16le", "gbrap16le", (".mkv",), deep=True, rgb=True,
                            options={"level": "3", "slices": "4", "threads": "1"})


SLICES = (4, 9, 16, 24)  # slice counts FFV1 accepts; slices are what its encoder threads share


def segment_writer(path: str | os.PathLike, info: VideoInfo, threads: int = 1) -> VideoWriter:
    """A writer of 16-bit RGBA pictures ``[H, W, 4]`` (``uint16``) into the segment file ``path`` (``.mkv``).

    ``info`` is the input's description (size, rate, time base); the segment gets no audio. ``threads``
    encoder threads share the picture's slices. An unfinished file of the same name (a crashed
    attempt) is replaced.
    """
    silent = dataclasses.replace(info, has_audio=False)
    slices = next((n for n in SLICES if n >= threads), SLICES[-1])
    spec = dataclasses.replace(LOSSLESS_RGBA16, options={**LOSSLESS_RGBA16.options, "threads": str(threads),
                                                         "slices": str(slices)})
    return VideoWriter(path, silent, spec, alpha=True, overwrite=True, audio=False)


def _stamps_path(video: Path) -> Path:
    return video.with_suffix(".json")


def finish_segment(path: str | os.PathLike, stamps: list[int], time_base: Fraction) -> None:
    """Record the timestamps of the finished segment file ``path``; from now on it counts as complete."""
    record = json.dumps({"time_base": str(time_base), "pts": stamps})
    write_atomically(_stamps_path(Path(path)), lambda temp: temp.write_text(record))


def segment_finished(path: str | os.PathLike, frames: int) -> bool:
    """Whether the segment file ``path`` is complete and holds ``frames`` frames."""
    return Path(path).is_file() and stamps_recorded(path, frames)


def stamps_recorded(path: str | os.PathLike, frames: int) -> bool:
    """Whether :func:`finish_segment` recorded ``frames`` timestamps for ``path``."""
    try:
        return len(read_stamps(path)[0]) == frames
    except MediaError:
        return False


def read_stamps(path: str | os.PathLike) -> tuple[list[int], Fraction]:
    """The timestamps :func:`finish_segment` recorded for ``path``, and their time base.

    Raises:
        MediaError: none were recorded (the segment is not finished), or the record is damaged.
    """
    try:
        record = json.loads(_stamps_path(Path(path)).read_text())
        return [int(pts) for pts in record["pts"]], Fraction(record["time_base"])
    except (OSError, ValueError, KeyError, TypeError) as err:
        raise MediaError(f"{path}: segment is not finished ({err})") from err


def read_segment(path: str | os.PathLike) -> Iterator[tuple[np.ndarray, int, Fraction]]:
    """Frames of a finished segment, in order.

    Yields:
        ``(rgba, pts, time_base)``: ``uint16 [H, W, 4]`` straight RGBA and the input's exact timestamp.

    Raises:
        MediaError: the segment is incomplete, or its frames do not match its timestamps.
    """
    from videomatte.io.readers import VideoReader  # decoding pulls torch in (io.frames): only here

    video = Path(path)
    stamps, time_base = read_stamps(video)
    count = 0
    with VideoReader(video, alpha=True) as reader:
        for frame in reader:
            if count >= len(stamps):
                break
            yield frame.image, stamps[count], time_base
            count += 1
    if count != len(stamps):
        raise MediaError(f"{video}: segment holds {count} frames, its timestamps {len(stamps)}")
