"""The work of one segment, and the Ray actor that does it with one model loaded once.

:func:`matte_segment` is plain Python (a session, a seekable input, a segment, the outputs): after the
warm-up it runs the local engine's pipeline (``run_pipeline``: decode, network, compositing and
encoding overlapped) into one part per output, in the output's own codec and container, so that the
join copies packets. :func:`worker_class` wraps it in a Ray actor class, restarted by Ray when its
process dies, whose tasks Ray retries.
"""
from __future__ import annotations

import dataclasses
import itertools
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

from videomatte.cluster.cuts import is_cut, thumbnail
from videomatte.cluster.options import FaultHooks
from videomatte.cluster.plan import Segment, part_paths
from videomatte.cluster.prefetch import Prefetch
from videomatte.errors import MediaError
from videomatte.inference.options import ConvertOptions
from videomatte.inference.outputs import OutputPlan
from videomatte.inference.phases import PhaseClock
from videomatte.inference.runner import run_pipeline
from videomatte.io.seeking import Seekable, open_seekable
from videomatte.io.segments import finish_segment, stamps_recorded
from videomatte.io.stream import Frame, VideoInfo

if TYPE_CHECKING:
    from videomatte.inference.session import MattingSession

RESTARTS = 3  # times Ray restarts a dead worker, and retries the task it was running


@dataclass(frozen=True)
class SegmentDone:
    """What a worker reports for a segment: frames written, warm-up frames run, seconds, whether its
    parts were found finished, the runtime that matted it, and its phases (``PhaseClock.as_dict``)."""

    number: int
    frames: int
    warmup: int
    seconds: float
    reused: bool = False
    backend: str = ""
    phases: dict | None = None


class InjectedFailure(RuntimeError):
    """The failure that ``FaultHooks.fail_segment`` asks for."""


def _warm_up(session: MattingSession, frames: Iterator[Frame], segment: Segment,
             clock: PhaseClock) -> tuple[Frame, int]:
    """Run frames ``warm_start..start-1`` for their state only (a shot cut among them, or right before
    ``start``, zeroes the state there); returns the segment's first frame and the frames that counted."""
    session.reset()
    previous, counted = None, 0
    while True:
        with clock.timing("decode", wall=True):
            frame = next(frames, None)
            thumb = thumbnail(frame.image) if frame is not None and segment.warm_start < segment.start else None
        if frame is None:
            raise MediaError(f"{segment.source}: frame {segment.start} could not be decoded")
        if previous is not None and is_cut(previous, thumb):
            session.reset()
            counted = 0
        previous = thumb
        if frame.index == segment.start:
            return frame, counted
        with clock.timing("network", wall=True):
            session.step(frame.image)
        counted += 1


def _crash_if_asked(hooks: FaultHooks | None, segment: Segment, done: int) -> None:
    if hooks is None:
        return
    if hooks.fail_segment == segment.number:
        raise InjectedFailure(f"segment {segment.number} fails on purpose (test hook)")
    marker = hooks.crash_marker
    if marker and segment.number == hooks.crash_segment and done >= segment.frames // 2 \
            and os.path.exists(marker):
        os.unlink(marker)
        os._exit(1)  # a worker killed mid-task: Ray restarts the actor and retries the segment


class SegmentFrames:
    """The frames of a segment after its warm-up, read as the pipeline reads an input; keeps their stamps."""

    def __init__(self, info: VideoInfo, frames: Iterator[Frame], segment: Segment, hooks: FaultHooks | None) -> None:
        self.info, self.stamps = info, []
        self._frames, self._segment, self._hooks = frames, segment, hooks

    def __iter__(self) -> Iterator[Frame]:
        for frame in self._frames:
            self.stamps.append(frame.pts)
            yield frame
            _crash_if_asked(self._hooks, self._segment, len(self.stamps))

    def close(self) -> None:
        """The input belongs to the caller."""

    def __enter__(self) -> "SegmentFrames":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def part_plans(segment: Segment, plans: list[OutputPlan]) -> list[OutputPlan]:
    """The outputs of ``plans`` with a segment's part in place of each file."""
    return [OutputPlan(path, plan.kind, plan.codec) for path, plan in zip(part_paths(segment, [p.path for p in plans]),
                                                                          plans)]


def matte_segment(session: MattingSession, video: Seekable, segment: Segment, plans: list[OutputPlan],
                  options: ConvertOptions, hooks: FaultHooks | None = None,
                  clock: PhaseClock | None = None) -> tuple[int, int]:
    """Matte one segment into its parts: one per output of ``plans``, in that output's codec and container
    (written under temporary names, then renamed), then the record of its timestamps (last).

    Frames are decoded ahead in a thread (:class:`Prefetch`). The recurrent state is rebuilt from
    ``segment.warm_start`` (zeroed at a shot cut in between, and
    at a cut on the segment's first frame), then frames ``start..stop-1`` go through the local engine's
    pipeline with ``options`` (background, premultiplied, codec, crf, seq_chunk); no audio.

    Returns:
        ``(frames written, warm-up frames run)``.
    """
    clock = clock if clock is not None else PhaseClock()
    frames = Prefetch(video.frames(segment.warm_start, segment.stop))
    try:
        first, warmup = _warm_up(session, frames, segment, clock)
        reader = SegmentFrames(video.info, itertools.chain([first], frames), segment, hooks)
        quiet = dataclasses.replace(options, overwrite=True, audio=False, progress=False, stats=None)
        written = run_pipeline(reader, session, part_plans(segment, plans), quiet, clock)
    finally:
        frames.close()
    finish_segment(segment.path, reader.stamps, video.info.time_base)
    return written, warmup


def _finished(segment: Segment, plans: list[OutputPlan]) -> bool:
    return stamps_recorded(segment.path, segment.frames) and all(
        Path(plan.path).exists() for plan in part_plans(segment, plans))


def worker_class(ray: object, cpus: float, gpus: float):  # noqa: ANN201 - a Ray actor class
    """The Ray actor class of segment workers, reserving ``cpus`` CPUs and ``gpus`` GPUs each."""

    @ray.remote(num_cpus=cpus, num_gpus=gpus, max_restarts=RESTARTS, max_task_retries=RESTARTS)
    class SegmentWorker:
        """Holds one matting session (the model loaded once) and mattes segments with it."""

        def __init__(self, model: ConvertOptions, emulate: float | None = None) -> None:
            from videomatte.inference.runner import SessionFactory

            self.factory, self.emulate = SessionFactory(model), emulate
            self.threads = max(1, int(cpus))

        def _session(self, info: VideoInfo, seq_chunk: int) -> tuple[object, str]:
            if self.emulate is not None:
                from videomatte.cluster.emulation import EmulatedSession

                return EmulatedSession(self.emulate), "emulated"
            session, backend = self.factory.session_for(info, seq_chunk)
            if hasattr(session.backend, "threads"):
                session.backend.threads = self.threads  # onnxruntime: one thread per reserved CPU
            return session, backend

        def run(self, segment: Segment, plans: list[OutputPlan], options: ConvertOptions,
                hooks: FaultHooks | None = None) -> SegmentDone:
            """Matte ``segment`` into its parts of ``plans`` unless they are finished already."""
            clock = PhaseClock()
            if _finished(segment, plans):
                return SegmentDone(segment.number, segment.frames, 0, 0.0, reused=True,
                                   backend="emulated" if self.emulate is not None else self.factory.choose())
            Path(segment.path).parent.mkdir(parents=True, exist_ok=True)
            with open_seekable(segment.source, options.frame_rate) as video:
                session, backend = self._session(video.info, options.seq_chunk)
                frames, warmup = matte_segment(session, video, segment, plans, options, hooks, clock)
            clock.close()
            return SegmentDone(segment.number, frames, warmup, clock.seconds, backend=backend,
                               phases=clock.as_dict())

    return SegmentWorker
