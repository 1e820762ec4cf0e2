"""The work of one segment, and the Ray actor that does it with one model loaded once.

:func:`matte_segment` is plain Python (a session, a seekable input, a segment); :func:`worker_class`
wraps it in a Ray actor class, restarted by Ray when its process dies, whose tasks Ray retries.
"""
from __future__ import annotations

import itertools
import os
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Iterator

import numpy as np

from videomatte.cluster.cuts import is_cut, thumbnail
from videomatte.cluster.ray_settings import FaultHooks
from videomatte.cluster.plan import Segment
from videomatte.errors import InjectedFailure, MediaError
from videomatte.compositing import rgba
from videomatte.inference.limits import check_frame
from videomatte.inference.model_settings import ModelSettings
from videomatte.io.frames import to_numpy
from videomatte.io.stream import Frame
from videomatte.io.seeking import Seekable, open_seekable
from videomatte.io.segments import finish_segment, segment_finished, segment_writer

RESTARTS = 3  # times Ray restarts a dead worker, and retries the task it was running


@dataclass(frozen=True)
class SegmentDone:
    """What a worker reports for a segment: frames written, warm-up frames run, seconds, whether its
    file was found finished, and the runtime that matted it."""

    number: int
    frames: int
    warmup: int
    seconds: float
    reused: bool = False
    backend: str = ""


def _warm_up(session: object, frames: Iterator[Frame], segment: Segment) -> tuple[Frame, int]:
    """Run frames ``warm_start..start-1`` for their state only (a shot cut among them, or right before
    ``start``, zeroes the state there); returns the segment's first frame and the frames that counted."""
    session.reset()
    previous, counted = None, 0
    for frame in frames:
        thumb = thumbnail(frame.image) if segment.warm_start < segment.start else None
        if previous is not None and is_cut(previous, thumb):
            session.reset()
            counted = 0
        previous = thumb
        if frame.index == segment.start:
            return frame, counted
        session.step(frame.image)
        counted += 1
    raise MediaError(f"{segment.source}: frame {segment.start} could not be decoded")


def _crash_if_asked(hooks: FaultHooks | None, segment: Segment, written: int) -> None:
    if hooks is None:
        return
    if hooks.fail_segment == segment.number:
        raise InjectedFailure(f"segment {segment.number} fails on purpose (test hook)")
    marker = hooks.crash_marker
    if marker and segment.number == hooks.crash_segment and written >= segment.frames // 2 \
            and os.path.exists(marker):
        os.unlink(marker)
        os._exit(1)  # a worker killed mid-task: Ray restarts the actor and retries the segment


def matte_segment(session: object, video: Seekable, segment: Segment, seq_chunk: int = 1,
                  hooks: FaultHooks | None = None, threads: int = 1) -> tuple[int, int]:
    """Matte one segment into its lossless file (written under a temporary name, then renamed).

    The recurrent state is rebuilt from ``segment.warm_start`` (zeroed at a shot cut in between, and
    at a cut on the segment's first frame), then frames ``start..stop-1`` are matted and written as
    16-bit straight RGBA with their exact timestamps (``threads`` encoder threads).

    Returns:
        ``(frames written, warm-up frames run)``.
    """
    frames = video.frames(segment.warm_start, segment.stop)
    first, warmup = _warm_up(session, frames, segment)
    written, stamps, chunk = 0, [], []
    with segment_writer(segment.path, video.info, threads) as writer:
        for frame in itertools.chain([first], frames):
            chunk.append(frame)
            if len(chunk) < seq_chunk and frame.index < segment.stop - 1:
                continue
            matte = session.step(np.stack([f.image for f in chunk]))
            for picture, done in zip(to_numpy(rgba(matte.fgr, matte.pha), 16), chunk):
                writer.write(picture, done.pts, done.time_base)
                stamps.append(done.pts)
            written += len(chunk)
            chunk = []
            _crash_if_asked(hooks, segment, written)
    finish_segment(segment.path, stamps, video.info.time_base)
    return written, warmup


def worker_class(ray: object, cpus: float, gpus: float):  # noqa: ANN201 - a Ray actor class
    """The Ray actor class of segment workers, reserving ``cpus`` CPUs and ``gpus`` GPUs each."""

    @ray.remote(num_cpus=cpus, num_gpus=gpus, max_restarts=RESTARTS, max_task_retries=RESTARTS)
    class SegmentWorker:
        """Holds one matting session (the model loaded once) and mattes segments with it."""

        def __init__(self, model: ModelSettings) -> None:
            from videomatte.inference.factory import create_session

            self.session = create_session(model)
            self.threads = max(1, int(cpus))
            if hasattr(self.session.backend, "threads"):
                self.session.backend.threads = self.threads  # onnxruntime: one thread per reserved CPU

        def run(self, segment: Segment, frame_rate: Fraction | None, seq_chunk: int = 1,
                hooks: FaultHooks | None = None) -> SegmentDone:
            """Matte ``segment`` unless a finished file of it exists already."""
            import time

            begin = time.perf_counter()
            if segment_finished(segment.path, segment.frames):
                return SegmentDone(segment.number, segment.frames, 0, 0.0, reused=True,
                                   backend=self.session.backend.name)
            Path(segment.path).parent.mkdir(parents=True, exist_ok=True)
            with open_seekable(segment.source, frame_rate) as video:
                check_frame(video.info.height, video.info.width, self.session.fixed_ratio)
                self.session.reset()
                frames, warmup = matte_segment(self.session, video, segment, seq_chunk, hooks, self.threads)
            return SegmentDone(segment.number, frames, warmup, time.perf_counter() - begin,
                               backend=self.session.backend.name)

    return SegmentWorker
