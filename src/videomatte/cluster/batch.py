"""The driver's account of a batch on Ray: segments ended, joins started as Ray tasks, results, and
where the wall time went.

The wall time of a batch is split (``docs/cluster.md``): before the first segment is handed out and
after the last join ended, ``other`` (probing, planning, starting workers, closing); while the workers
matte, the mean over worker slots of what each segment's clock saw (decode, network, compositing,
encode, other) and, for the slots that were idle (scheduling, round trips, the last segments running
alone), ``waiting``; after the last segment, until the last join ended, ``join``. The record also
gives the driver's own part apart (``driver_seconds``: before the first hand-out and after the last
join), since ``other`` holds the workers' per-segment set-up as well.
"""
from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from videomatte.cluster.join import join_task, ready_task
from videomatte.cluster.plan import Segment
from videomatte.cluster.worker import SegmentDone
from videomatte.conversion.results import ConvertResult
from videomatte.conversion.convert_options import ConvertOptions
from videomatte.conversion.outputs import OutputPlan
from videomatte.conversion.phases import add_into, stats_record
from videomatte.conversion.progress import Progress
from videomatte.io.stream import VideoInfo


@dataclass
class Job:
    """One input on its way through the cluster.

    Attributes:
        plans: its outputs as the caller named them; ``targets``: the same, absolute (for Ray tasks).
    """

    source: str
    plans: list[OutputPlan]
    targets: list[OutputPlan]
    info: VideoInfo
    segments: list[Segment]
    folder: Path
    begin: float = field(default_factory=time.perf_counter)
    finished: int = 0
    reused: int = 0
    backend: str = ""
    error: str | None = None
    joined: object | None = None  # the Ray reference of its join task
    cuts: list[int] = field(default_factory=list)  # where shots start, as its segments reported them


class Batch:
    """The jobs of one conversion, their progress line, their joins, and the seconds per phase."""

    def __init__(self, ray: object, jobs: list[Job], options: ConvertOptions, failure) -> None:  # noqa: ANN001
        self.ray, self.jobs, self.options, self.failure = ray, jobs, options, failure
        self.by_source = {job.segments[0].source: job for job in jobs}  # absolute paths
        self.total = sum(len(job.segments) for job in jobs)
        self.done = 0
        self.progress = Progress("ray", sum(s.frames for j in jobs for s in j.segments), options.progress)
        self.join = join_task(ray)
        self.warm = ready_task(ray).remote()  # a process for the joins, started while segments are matted
        self.worker_wall: dict[str, float] = {}
        self.busy: dict[str, float] = {}
        self.dispatched = self.matted = self.joined = time.perf_counter()

    def queue(self) -> list[tuple[Segment, list[OutputPlan]]]:
        """Every segment with its input's outputs (all go to the workers, which skip finished parts)."""
        return [(segment, job.targets) for job in self.jobs for segment in job.segments]

    def report(self, segment: Segment, done: SegmentDone | None, error: str | None) -> None:
        """Count one ended segment; start the join of its input when it was the last one."""
        job = self.by_source[segment.source]
        self.done += 1
        self.matted = time.perf_counter()
        self.progress.label = f"ray  {self.done}/{self.total} segments"
        if done is None:
            job.error = job.error or f"segment {segment.number} failed: {error}"
        else:
            job.finished += 1
            job.reused += done.reused
            job.backend = job.backend or done.backend
            job.cuts.extend(done.cuts)
            self.progress.update(done.frames)
            if done.phases:
                add_into(self.worker_wall, done.phases["wall"])
                add_into(self.busy, done.phases["busy"])
        if job.finished == len(job.segments) and job.error is None:
            if job.reused and self.options.progress:
                print(f"{job.source}: {job.reused} of {len(job.segments)} segments finished already, reused",
                      file=sys.stderr)
            outputs = [(plan.path, plan.codec) for plan in job.targets]
            job.joined = self.join.remote(job.info, job.segments, outputs, self.options.overwrite,
                                          self.options.audio, str(job.folder))

    def result(self, job: Job) -> ConvertResult:
        """The outcome of one input (waiting for its join)."""
        if job.error is None and job.joined is not None:
            try:
                frames, phases = self.ray.get(job.joined)
                add_into(self.busy, phases["busy"])
                self.joined = max(self.joined, time.perf_counter())
                return ConvertResult(job.source, [p.path for p in job.plans], frames,
                                     time.perf_counter() - job.begin, backend=job.backend, cuts=sorted(job.cuts))
            except self.ray.exceptions.RayError as err:
                job.error = f"joining failed: {self.failure(err)}"
        return ConvertResult(job.source, error=job.error or "not every segment was finished")

    def stats(self, begin: float, end: float, workers: int, frames: int, **extra: object) -> dict:
        """The batch's stats record (``convert --stats``): the wall from ``begin`` to ``end`` split as the
        module says, with ``workers`` slots matting between the first hand-out and the last segment."""
        stretch = max(0.0, self.matted - self.dispatched)
        tail = max(0.0, self.joined - self.matted)
        busy_slots = sum(self.worker_wall.values()) / workers
        scale = min(1.0, stretch / busy_slots) if busy_slots else 0.0  # never more than the stretch
        wall = {phase: scale * seconds / workers for phase, seconds in self.worker_wall.items()}
        wall["waiting"] = wall.get("waiting", 0.0) + stretch - scale * busy_slots
        wall["join"] = wall.get("join", 0.0) + tail
        driver = max(0.0, end - begin - stretch - tail)  # no segment in hand: planning, starting, closing
        wall["other"] = wall.get("other", 0.0) + driver
        return stats_record("ray", end - begin, frames, wall, self.busy, workers=workers,
                            matting_seconds=stretch, join_tail_seconds=tail, driver_seconds=driver, **extra)

    def close(self) -> None:
        """End the progress line."""
        self.progress.close()
