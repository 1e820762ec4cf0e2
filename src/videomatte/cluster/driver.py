"""The driver of a conversion on Ray: plan every input into segments, keep every worker busy, join.

Each input is planned from its timestamps (demuxed only), its unfinished segments go to a queue served
by the worker actors, one segment at a time each, which write them in the outputs' own codecs; when the
last segment of an input is finished, a Ray task joins its parts into the outputs by packet copy
while the workers go on with the next inputs (``batch.py``, ``join.py``).
"""
from __future__ import annotations

import dataclasses
import logging
import os
import sys
import time
from collections import deque
from pathlib import Path
from types import ModuleType
from typing import Callable

from videomatte.cluster.batch import Batch, Job
from videomatte.cluster.plan import absolute_output, plan_segments, work_folder
from videomatte.cluster.ray_settings import RaySettings
from videomatte.cluster.scheduler import WorkerPool, failure_line, run_segments, worker_count
from videomatte.conversion.convert_options import ConvertOptions, Planned
from videomatte.conversion.engines import report_failure, skipped
from videomatte.conversion.inputs import is_still
from videomatte.conversion.outputs import OutputPlan
from videomatte.conversion.phases import stats_record, write_stats
from videomatte.conversion.results import ConvertResult, prepare_outputs
from videomatte.errors import VideoMatteError
from videomatte.io.seeking import open_seekable
from videomatte.io.shots import ShotStarts


def import_ray() -> ModuleType:
    """Ray, or a one-line error naming the extra to install."""
    try:
        import ray
    except ImportError:
        raise VideoMatteError("--engine ray needs Ray: pip install 'videomatte[cluster]'") from None
    return ray


def connect(ray: ModuleType, address: str | None) -> bool:
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
    """What every worker needs to build the same session and outputs as the local engine (picklable, no
    engine; local files as absolute paths: workers do not run in the driver's folder)."""
    background = options.background
    if os.path.isfile(background):
        background = os.path.abspath(background)
    return dataclasses.replace(options, model=options.model.portable(), background=background, engine=None,
                               progress=False, stats=None)


def plan_job(source: str, plans: list[OutputPlan], engine: RaySettings, options: ConvertOptions) -> Job:
    """Probe one input and cut it into segments (whose files live beside its first output; a segment
    starts on a listed cut where one is near)."""
    with open_seekable(source, options.frame_rate) as video:
        info, stamps = video.info, video.timestamps()
    info = dataclasses.replace(info, path=Path(os.path.abspath(info.path)))  # joins run in other folders
    key = dict(options.model.portable().key(), segment_seconds=engine.segment_seconds, warmup=engine.warmup,
               frame_rate=options.frame_rate, cuts=options.cuts)
    folder = work_folder(source, os.path.abspath(plans[0].path), key)
    listed = ShotStarts(options.cuts, info.frame_rate).listed
    segments = plan_segments(os.path.abspath(source), stamps, info.time_base, engine.segment_seconds,
                             engine.warmup, folder, listed)
    targets = [OutputPlan(absolute_output(p.path), p.kind, p.codec) for p in plans]
    return Job(source, plans, targets, info, segments, folder)


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
        batch: several inputs (a failed one is reported in its result and the others go on; ``convert``
            then raises the same ``BatchError`` as with the local engine).

    Raises:
        VideoMatteError: Ray missing or unreachable, or a single input that failed.
    """
    begin = time.perf_counter()
    ray = import_ray()
    jobs, known = _skipped_or_planned(planned, batch, options,
                                      lambda source, mine: plan_job(source, mine, engine, options))
    record = None
    if jobs:
        started = connect(ray, engine.address)
        try:
            done, record = _run_jobs(ray, jobs, engine, options, begin)
            known.update(done)
            for result in done.values():
                if result.error and batch:  # as the local engine says it
                    print(f"videomatte: {result.source}: {result.error}", file=sys.stderr)
        finally:
            if started:
                WorkerPool.forget()
                ray.shutdown()
    results = [known[source] for source, _ in planned]
    if options.stats is not None:
        seconds = time.perf_counter() - begin
        write_stats(options.stats, record or stats_record("ray", seconds, 0, {"other": seconds}, {},
                                                          inputs=len(planned)))
    failed = [r for r in results if r.error]
    if failed and not batch:
        raise VideoMatteError(f"{failed[0].source}: {failed[0].error}")
    return results


def _run_jobs(ray: ModuleType, jobs: list[Job], engine: RaySettings, options: ConvertOptions,
              begin: float) -> tuple[dict[str, ConvertResult], dict]:
    """Matte every segment of ``jobs`` on the workers, join each input as it completes; the results and
    the stats record of the batch."""
    batch = Batch(ray, jobs, options, lambda err: failure_line(ray, err))
    model = worker_options(options)
    count = worker_count(ray, engine, batch.total)
    try:
        batch.dispatched = time.perf_counter()
        run_segments(ray, WorkerPool.get(ray, engine, model.model), count, deque(batch.queue()),
                     dict(options=model, hooks=engine.hooks), batch.report, lambda: batch.progress.update(0))
    finally:
        batch.close()
    results = {job.source: batch.result(job) for job in jobs}
    frames = sum(r.frames for r in results.values())
    return results, batch.stats(begin, time.perf_counter(), count, frames, inputs=len(jobs))
