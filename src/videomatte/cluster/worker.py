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
from typing import TYPE_CHECKING, Callable, Iterator

import numpy as np

from videomatte.cluster.plan import Segment, part_paths
from videomatte.cluster.prefetch import Prefetch
from videomatte.cluster.ray_settings import FaultHooks
from videomatte.cluster.segment_cuts import record_cuts, recorded_cuts
from videomatte.conversion.convert_options import ConvertOptions
from videomatte.conversion.outputs import OutputPlan
from videomatte.conversion.phases import PhaseClock
from videomatte.conversion.pipeline import run_pipeline
from videomatte.errors import InjectedFailure, MediaError
from videomatte.inference.limits import check_frame
from videomatte.inference.model_settings import ModelSettings
from videomatte.io.seeking import Seekable, open_seekable
from videomatte.io.segments import finish_segment, stamps_recorded
from videomatte.io.shots import ShotStarts
from videomatte.io.stream import Frame, VideoInfo

if TYPE_CHECKING:
    from types import ModuleType

    from videomatte.inference.session import MattingSession

RESTARTS = 3  # times Ray restarts a dead worker, and retries the task it was running


@dataclass(frozen=True)
class SegmentDone:
    """What a worker reports for a segment: frames written, warm-up frames run, seconds, whether its
    parts were found finished, the runtime that matted it, its phases (``PhaseClock.as_dict``) and the
    frames among its own where a shot starts (numbers in the whole input)."""

    number: int
    frames: int
    warmup: int
    seconds: float
    reused: bool = False
    backend: str = ""
    phases: dict | None = None
    cuts: tuple[int, ...] = ()


def _warm_up(session: MattingSession, frames: Iterator[Frame], segment: Segment, shots: ShotStarts,
             clock: PhaseClock) -> tuple[Frame, int, bool]:
    """Feed the cut test the lead-in frames, then run frames ``warm_start..start-1`` for their state only
    (a shot cut among them, or at ``start``, zeroes the state there); returns the segment's first frame,
    the frames that counted and whether a shot starts at the first frame."""
    session.reset()
    counted = 0
    while True:
        with clock.timing("decode", wall=True):
            frame = next(frames, None)
        if frame is None:
            raise MediaError(f"{segment.source}: frame {segment.start} could not be decoded")
        cut = shots(frame.index, frame.image)
        if frame.index < segment.warm_start:
            continue  # the cut test's lead-in: its decisions from warm_start on equal a full read's
        if cut and frame.index > segment.warm_start:
            session.cut()
            counted = 0
        if frame.index == segment.start:
            return frame, counted, cut
        with clock.timing("network", wall=True):
            session.step(frame.image)
        counted += 1


def _after(start: int, shots: ShotStarts) -> Callable[[int, np.ndarray], bool]:
    """The cut test for the segment's pipeline: frame ``start`` was decided (and cut) in the warm-up."""
    return lambda index, image: False if index == start else shots(index, image)


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
                  clock: PhaseClock | None = None, cuts: list[int] | None = None) -> tuple[int, int]:
    """Matte one segment into its parts: one per output of ``plans``, in that output's codec and container
    (written under temporary names, then renamed), then the record of its timestamps (last).

    Frames are decoded ahead in a thread (:class:`Prefetch`). The recurrent state is rebuilt from
    ``segment.warm_start`` (zeroed at a shot cut in between, and at a cut on the segment's first frame;
    the cut test sees the same frames before as in a full read), then frames ``start..stop-1`` go through
    the local engine's pipeline with ``options`` (background, premultiplied, codec, crf, seq_chunk, cuts);
    no audio. The frames of ``start..stop-1`` that start a shot are appended to ``cuts`` when given.

    Returns:
        ``(frames written, warm-up frames run)``.
    """
    clock = clock if clock is not None else PhaseClock()
    shots = ShotStarts(options.cuts, video.info.frame_rate)
    frames = Prefetch(video.frames(max(0, segment.warm_start - shots.lead_in), segment.stop))
    try:
        first, warmup, cut = _warm_up(session, frames, segment, shots, clock)
        found = [segment.start] if cut else []
        reader = SegmentFrames(video.info, itertools.chain([first], frames), segment, hooks)
        quiet = dataclasses.replace(options, overwrite=True, audio=False, progress=False, stats=None)
        written = run_pipeline(reader, session, part_plans(segment, plans), quiet, found, clock,
                               shots=_after(segment.start, shots))
    finally:
        frames.close()
    record_cuts(segment, found)
    finish_segment(segment.path, reader.stamps, video.info.time_base)
    if cuts is not None:
        cuts.extend(found)
    return written, warmup


def _finished(segment: Segment, plans: list[OutputPlan]) -> bool:
    return stamps_recorded(segment.path, segment.frames) and all(
        Path(plan.path).exists() for plan in part_plans(segment, plans))


def worker_class(ray: ModuleType, cpus: float, gpus: float):  # noqa: ANN201 - a Ray actor class
    """The Ray actor class of segment workers, reserving ``cpus`` CPUs and ``gpus`` GPUs each."""

    @ray.remote(num_cpus=cpus, num_gpus=gpus, max_restarts=RESTARTS, max_task_retries=RESTARTS)
    class SegmentWorker:
        """Holds one matting session (the model loaded once) and mattes segments with it."""

        def __init__(self, model: ModelSettings, emulate: float | None = None) -> None:
            self.model, self.emulate = model, emulate
            self.threads = max(1, int(cpus))
            self.session: MattingSession | None = None  # made by create_session on the first segment

        def _session(self, info: VideoInfo, seq_chunk: int) -> tuple[MattingSession, str]:
            if self.emulate is not None:
                from videomatte.cluster.emulation import EmulatedSession

                return EmulatedSession(self.emulate), "emulated"  # type: ignore[return-value]
            check_frame(info.height, info.width, self.model.downsample_ratio, seq_chunk)
            if self.session is None:
                from videomatte.inference.factory import create_session

                self.session = create_session(self.model)
                if hasattr(self.session.backend, "threads"):
                    self.session.backend.threads = self.threads  # onnxruntime: one thread per reserved CPU
            return self.session, self.session.runtime

        def run(self, segment: Segment, plans: list[OutputPlan], options: ConvertOptions,
                hooks: FaultHooks | None = None) -> SegmentDone:
            """Matte ``segment`` into its parts of ``plans`` unless they are finished already."""
            clock, cuts = PhaseClock(), []
            if _finished(segment, plans):
                return SegmentDone(segment.number, segment.frames, 0, 0.0, reused=True,
                                   backend="emulated" if self.emulate is not None else self.model.backend,
                                   cuts=tuple(recorded_cuts(segment)))
            Path(segment.path).parent.mkdir(parents=True, exist_ok=True)
            with open_seekable(segment.source, options.frame_rate) as video:
                session, backend = self._session(video.info, options.seq_chunk)
                frames, warmup = matte_segment(session, video, segment, plans, options, hooks, clock, cuts)
            clock.close()
            return SegmentDone(segment.number, frames, warmup, clock.seconds, backend=backend,
                               phases=clock.as_dict(), cuts=tuple(cuts))

    return SegmentWorker
