"""The driver of a conversion on Ray: plan every input into segments, keep every worker busy, join.

Each input is planned from its timestamps (demuxed only), its unfinished segments go to a queue served
by the worker actors, one segment at a time each; when the last segment of an input is finished, a
thread of the driver joins them into the outputs while the workers go on with the next inputs.
"""
from __future__ import annotations

import dataclasses
import logging
import os
import shutil
import sys
import time
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from videomatte.cluster.join import join_segments
from videomatte.cluster.ray_settings import RaySettings
from videomatte.cluster.plan import Segment, plan_segments, work_folder
from videomatte.cluster.scheduler import WorkerPool, run_segments, worker_count
from videomatte.cluster.worker import SegmentDone
from videomatte.conversion.convert_options import ConvertOptions, Planned
from videomatte.conversion.inputs import is_still
from videomatte.conversion.engines import report_failure, skipped
from videomatte.conversion.outputs import OutputPlan
from videomatte.conversion.progress import Progress
from videomatte.conversion.results import ConvertResult, prepare_outputs
from videomatte.errors import VideoMatteError
from videomatte.io.shots import ShotStarts
from videomatte.io.stream import VideoInfo
from videomatte.io.seeking import open_seekable

@dataclass
class Job:
    """One input on its way through the cluster."""

    source: str
    plans: list[OutputPlan]
    info: VideoInfo
    segments: list[Segment]
    folder: Path
    begin: float = field(default_factory=time.perf_counter)
    finished: int = 0
    reused: int = 0
    backend: str = ""
    error: str | None = None
    joined: Future | None = None


def import_ray():  # noqa: ANN201 - the ray module
    """Ray, or a one-line error naming the extra to install."""
    try:
        import ray
    except ImportError:
        raise VideoMatteError("--engine ray needs Ray: pip install 'videomatte[cluster]'") from None
    return ray


def connect(ray: object, address: str | None) -> bool:
    """Join the cluster at ``address`` (``None``: a new local instance, unless this process has joined one
    already); returns whether this call started the connection (and so should end it)."""
    if ray.is_initialized():
        return False
    try:
        if address is None:  # "local": a new instance even where `ray start` runs a cluster on this machine
            ray.init(address="local", include_dashboard=False, logging_level=logging.WARNING, log_to_driver=False)
        else:
            ray.init(address=address, logging_level=logging.WARNING, log_to_driver=False)
    except (ConnectionError, RuntimeError, ValueError) as err:
        raise VideoMatteError(f"cannot reach a Ray cluster at {address or 'a new local instance'}: "
                              f"{str(err).splitlines()[0] if str(err) else type(err).__name__}") from err
    return True


def worker_options(options: ConvertOptions) -> ConvertOptions:
    """What every worker needs to build the same session as the local engine (picklable, no engine)."""
    return dataclasses.replace(options, model=options.model.portable(), engine=None, progress=False)


def plan_job(source: str, plans: list[OutputPlan], engine: RaySettings, options: ConvertOptions) -> Job:
    """Probe one input and cut it into segments (whose files live beside its first output)."""
    with open_seekable(source, options.frame_rate) as video:
        info, stamps = video.info, video.timestamps()
    key = dict(options.model.portable().key(), segment_seconds=engine.segment_seconds, warmup=engine.warmup,
               frame_rate=options.frame_rate, cuts=options.cuts)
    folder = work_folder(source, os.path.abspath(plans[0].path), key)
    listed = ShotStarts(options.cuts, info.frame_rate).listed
    segments = plan_segments(os.path.abspath(source), stamps, info.time_base, engine.segment_seconds,
                             engine.warmup, folder, listed)
    return Job(source, plans, info, segments, folder)


class Batch:
    """The jobs of one conversion, their progress line, and the joins running on driver threads."""

    def __init__(self, jobs: list[Job], options: ConvertOptions) -> None:
        self.jobs, self.options = jobs, options
        self.by_source = {job.segments[0].source: job for job in jobs}  # absolute paths
        self.total = sum(len(job.segments) for job in jobs)
        self.done = 0
        self.progress = Progress("ray", sum(s.frames for j in jobs for s in j.segments), options.progress)
        self.joiner = ThreadPoolExecutor(max_workers=1, thread_name_prefix="join")

    def queue(self) -> deque:
        """Every segment not finished yet (all of them go to the workers, which skip finished files)."""
        return deque(segment for job in self.jobs for segment in job.segments)

    def report(self, segment: Segment, done: SegmentDone | None, error: str | None) -> None:
        """Count one ended segment; start the join of its input when it was the last one."""
        job = self.by_source[segment.source]
        self.done += 1
        self.progress.label = f"ray  {self.done}/{self.total} segments"
        if done is None:
            job.error = job.error or f"segment {segment.number} failed: {error}"
        else:
            job.finished += 1
            job.reused += done.reused
            job.backend = job.backend or done.backend
            self.progress.update(done.frames)
        if job.finished == len(job.segments) and job.error is None:
            job.joined = self.joiner.submit(self.join, job)

    def join(self, job: Job) -> int:
        """Join one input's segments into its outputs, then delete them."""
        if job.reused and self.options.progress:
            print(f"{job.source}: {job.reused} of {len(job.segments)} segments finished already, reused",
                  file=sys.stderr)
        frames = join_segments(job.source, job.info, job.segments, job.plans, self.options)
        shutil.rmtree(job.folder, ignore_errors=True)
        return frames

    def result(self, job: Job) -> ConvertResult:
        """The outcome of one input (waiting for its join)."""
        outputs = [p.path for p in job.plans]
        if job.error is None and job.joined is not None:
            try:
                frames = job.joined.result()
                return ConvertResult(job.source, outputs, frames, time.perf_counter() - job.begin,
                                     backend=job.backend)
            except VideoMatteError as err:
                job.error = str(err)
        return ConvertResult(job.source, error=job.error or "not every segment was finished")

    def close(self) -> None:
        """Wait for the joins and end the progress line."""
        self.joiner.shutdown(wait=True)
        self.progress.close()


def _skipped_or_planned(planned: Planned, batch: bool, options: ConvertOptions,
                        plan: Callable[[str, list[OutputPlan]], Job]) -> tuple[list[Job], dict]:
    """Jobs for the inputs to convert, and results already known (skipped or failed inputs)."""
    jobs, known = [], {}
    for source, plans in planned:
        try:
            if is_still(source):
                raise VideoMatteError("photos are matted by the local engine; leave out --engine ray for them")
            mine = prepare_outputs(source, plans, batch, options.overwrite)
            if mine is None:
                known[source] = skipped(source, plans, options)
            else:
                jobs.append(plan(source, mine))
        except VideoMatteError as err:
            known[source] = report_failure(source, err, batch)
    return jobs, known


def convert_on_ray(engine: RaySettings, planned: Planned, batch: bool, options: ConvertOptions) -> list[ConvertResult]:
    """``RayEngine.run``: the same outputs as the local engine, matted by Ray workers.

    Args:
        planned: every input with its outputs (with ``{name}`` for batches).
        batch: several inputs (a failed one is reported in its result and the others go on).

    Raises:
        VideoMatteError: Ray missing or unreachable, or a single input that failed.
    """
    ray = import_ray()
    jobs, known = _skipped_or_planned(planned, batch, options,
                                      lambda source, mine: plan_job(source, mine, engine, options))
    if jobs:
        started = connect(ray, engine.address)
        try:
            known.update(_run_jobs(ray, jobs, engine, options))
        finally:
            if started:
                WorkerPool.forget()
                ray.shutdown()
    results = [known[source] for source, _ in planned]
    failed = [r for r in results if r.error]
    if failed and not batch:
        raise VideoMatteError(f"{failed[0].source}: {failed[0].error}")
    return results


def _run_jobs(ray: object, jobs: list[Job], engine: RaySettings, options: ConvertOptions) -> dict[str, ConvertResult]:
    """Matte every segment of ``jobs`` on the workers, join each input as it completes."""
    batch = Batch(jobs, options)
    task = dict(frame_rate=options.frame_rate, seq_chunk=options.seq_chunk, hooks=engine.hooks, cuts=options.cuts)
    try:
        run_segments(ray, WorkerPool.get(ray, engine, worker_options(options).model), worker_count(ray, engine, batch.total),
                     batch.queue(), task, batch.report, lambda: batch.progress.update(0))
    finally:
        batch.close()
    return {job.source: batch.result(job) for job in jobs}
