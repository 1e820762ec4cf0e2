"""Planning: each input cut into segments of about ``segment_seconds``, and where their files live."""
from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path


@dataclass(frozen=True)
class Segment:
    """One work unit: frames ``[start, stop)`` of an input, matted after warm-up from ``warm_start``.

    Attributes:
        source: the input (a path every worker can open).
        number: position of the segment in its input, from 0.
        start, stop: frame range it writes (presentation order).
        warm_start: first frame decoded; frames ``warm_start..start-1`` only rebuild the state.
        path: the stem of its files: ``PATH.json`` (its frames' timestamps, written last) and one part per
            output (:func:`part_paths`).
    """

    source: str
    number: int
    start: int
    stop: int
    warm_start: int
    path: str

    @property
    def frames(self) -> int:
        """Frames the segment writes."""
        return self.stop - self.start


def segment_starts(stamps: list[int], time_base: Fraction, seconds: float) -> list[int]:
    """First frames of the segments: frame 0, then the first frame at or after each multiple of
    ``seconds`` from the first timestamp (so variable frame rate is cut by time, not by count).

    Args:
        stamps: sorted presentation timestamps of every frame, in units of ``time_base``.
    """
    starts, boundary = [0], Fraction(seconds).limit_denominator(1000)
    origin = stamps[0]
    for index, pts in enumerate(stamps):
        if index and (pts - origin) * time_base >= boundary * len(starts):
            starts.append(index)
    return starts


def snap_to_cuts(starts: list[int], cuts: frozenset[int], reach: int) -> list[int]:
    """Segment starts moved onto the nearest listed cut within ``reach`` frames (a segment that starts at
    a cut needs no warm-up: the state starts from zero there anyway); frame 0 stays, none twice."""
    snapped = [0]
    for start in starts[1:]:
        near = [c for c in cuts if abs(c - start) <= reach and c > snapped[-1]]
        best = min(near, key=lambda c: (abs(c - start), c)) if near else start
        if best > snapped[-1]:
            snapped.append(best)
    return snapped


def plan_segments(source: str, stamps: list[int], time_base: Fraction, seconds: float, warmup: int,
                  folder: Path, cuts: frozenset[int] = frozenset()) -> list[Segment]:
    """The segments of one input, with their files under ``folder``; with listed ``cuts`` (frame
    numbers), starts move onto cuts near them and no warm-up reaches back past a cut."""
    starts = snap_to_cuts(segment_starts(stamps, time_base, seconds), cuts, warmup)
    stops = starts[1:] + [len(stamps)]
    return [Segment(source, n, a, b, max(0, a - warmup, *(c for c in cuts if c <= a)),
                    str(folder / f"segment-{n:05d}"))
            for n, (a, b) in enumerate(zip(starts, stops))]


def part_paths(segment: Segment, outputs: list[str]) -> list[str]:
    """Where a segment writes its piece of each output: the output's own container (``PATH.K.mov``), or
    a folder (``PATH.K/``) for an image sequence, so that joining is a copy of packets or files."""
    from videomatte.io.codecs import is_sequence_path

    return [f"{segment.path}.{k}/" if is_sequence_path(output) else f"{segment.path}.{k}{Path(output).suffix}"
            for k, output in enumerate(outputs)]


def absolute_output(path: str) -> str:
    """An output path that Ray workers in other folders can use (keeping the ``/`` of image folders)."""
    slash = "/" if path.endswith(("/", "\\")) else ""
    return os.path.abspath(path) + slash


def work_folder(source: str, first_output: str, settings: dict) -> Path:
    """The folder of an input's segment files, beside its first output.

    Its name holds a hash of the input (path, size, modification time) and of every setting that changes
    the pictures, so a rerun with the same settings finds the segments of an interrupted run and a run
    with other settings does not.
    """
    stat = os.stat(source) if os.path.exists(source) else None  # a glob of images has no stat of its own
    size, mtime = (stat.st_size, stat.st_mtime_ns) if stat else (0, 0)
    key = json.dumps([os.path.abspath(source), size, mtime, settings], sort_keys=True,
                     default=str)
    digest = hashlib.sha1(key.encode()).hexdigest()[:12]
    name = Path(source.rstrip("/\\")).stem or "input"
    return Path(first_output.rstrip("/\\")).parent / f".videomatte-segments-{name}-{digest}"
