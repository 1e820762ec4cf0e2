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
from typing import TYPE_CHECKING, Iterator

import numpy as np

from videomatte.cluster.ray_settings import FaultHooks
from videomatte.cluster.plan import Segment
from videomatte.errors import InjectedFailure, MediaError
from videomatte.compositing import rgba
from videomatte.inference.limits import check_frame
from videomatte.inference.model_settings import ModelSettings
from videomatte.io.frames import to_numpy
from videomatte.io.stream import Frame
from videomatte.io.seeking import Seekable, open_seekable
from videomatte.io.cut_list import CutList
from videomatte.io.segments import finish_segment, segment_finished, segment_writer
from videomatte.io.shots import ShotStarts

if TYPE_CHECKING:
    from videomatte.inference.session import MattingSession

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


def _warm_up(session: MattingSession, frames: Iterator[Frame], segment: Segment,
             shots: ShotStarts) -> tuple[Frame, int]:
    """Feed the cut test the lead-in frames, then run frames ``warm_start..start-1`` for their state only
    (a shot cut among them, or at ``start``, zeroes the state there); returns the segment's first frame
    and the frames that counted."""
    session.reset()
    counted = 0
    for frame in frames:
        cut = shots(frame.index, frame.image)
        if frame.index < segment.warm_start:
            continue  # the cut test's lead-in: its decisions from warm_start on equal a full read's
        if cut and frame.index > segment.warm_start:
            session.cut()
            counted = 0
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


def matte_segment(session: MattingSession, video: Seekable, segment: Segment, seq_chunk: int = 1,
                  hooks: FaultHooks | None = None, threads: int = 1, cuts: str | CutList = "auto") -> tuple[int, int]:
    """Matte one segment into its lossless file (written under a temporary name, then renamed).

    The recurrent state is rebuilt from ``segment.warm_start`` and reset at every shot cut (``cuts``:
    ``auto``, ``off`` or a ``CutList``; the test decides as the local engine does), in the warm-up and
    in the segment, then frames ``start..stop-1`` are matted and written as 16-bit straight RGBA with
    their exact timestamps (``threads`` encoder threads).

    Returns:
        ``(frames written, warm-up frames run)``.
    """
    shots = ShotStarts(cuts, video.info.frame_rate)
    frames = video.frames(max(0, segment.warm_start - shots.lead_in), segment.stop)
    first, warmup = _warm_up(session, frames, segment, shots)
    written, stamps, chunk = 0, [], []

    def matte(chunk: list[Frame], writer: object) -> None:
        matte = session.step(np.stack([f.image for f in chunk]))
        for picture, done in zip(to_numpy(rgba(matte.fgr, matte.pha), 16), chunk):
            writer.write(picture, done.pts, done.time_base)
            stamps.append(done.pts)

    with segment_writer(segment.path, video.info, threads) as writer:
        for frame in itertools.chain([first], frames):
            if frame is not first and shots(frame.index, frame.image):
                if chunk:  # chunks never hold frames of two shots
                    matte(chunk, writer)
                    written, chunk = written + len(chunk), []
                session.cut()
            chunk.append(frame)
            if len(chunk) < seq_chunk and frame.index < segment.stop - 1:
                continue
            matte(chunk, writer)
            written, chunk = written + len(chunk), []
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
                hooks: FaultHooks | None = None, cuts: str | CutList = "auto") -> SegmentDone:
            """Matte ``segment`` unless a finished file of it exists already (``cuts``: where shots start,
            per conversion: the pool's workers outlive one ``convert`` call)."""
            import time

            begin = time.perf_counter()
            if segment_finished(segment.path, segment.frames):
                return SegmentDone(segment.number, segment.frames, 0, 0.0, reused=True,
                                   backend=self.session.backend.name)
            Path(segment.path).parent.mkdir(parents=True, exist_ok=True)
            with open_seekable(segment.source, frame_rate) as video:
                check_frame(video.info.height, video.info.width, self.session.fixed_ratio)
                self.session.reset()
                frames, warmup = matte_segment(self.session, video, segment, seq_chunk, hooks, self.threads, cuts)
            return SegmentDone(segment.number, frames, warmup, time.perf_counter() - begin,
                               backend=self.session.runtime)

    return SegmentWorker
