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
from typing import Callable

from videomatte.cluster.batch import Batch, Job
from videomatte.cluster.options import RayEngine
from videomatte.cluster.plan import absolute_output, plan_segments, work_folder
from videomatte.cluster.scheduler import WorkerPool, failure_line, run_segments, worker_count
from videomatte.errors import VideoMatteError
from videomatte.inference.convert import BatchError, ConvertResult, prepare_outputs
from videomatte.inference.options import ConvertOptions
from videomatte.inference.outputs import OutputPlan
from videomatte.inference.phases import stats_record, write_stats
from videomatte.inference.runner import SessionFactory
from videomatte.io.seeking import open_seekable


def ray_engine(engine: object) -> RayEngine:
    """``"ray"`` (default settings) or a :class:`RayEngine` as it is; anything else is a ``ValueError``."""
    if engine == "ray":
        return RayEngine()
    if isinstance(engine, RayEngine):
        return engine
    raise ValueError(f"engine must be 'local', 'ray' or a RayEngine, not {engine!r}")


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


MODEL_FIELDS = ("variant", "weights", "refiner", "downsample_ratio", "device", "dtype", "backend")


def worker_options(options: ConvertOptions) -> ConvertOptions:
    """What every worker needs to build the same session as the local engine (picklable, local engine)."""
    weights = options.weights if options.weights is None else os.fspath(options.weights)
    if weights is not None and os.path.exists(weights):
        weights = os.path.abspath(weights)  # workers do not run in the driver's folder
    background = options.background
    if os.path.isfile(background):
        background = os.path.abspath(background)
    return dataclasses.replace(options, weights=weights, background=background, engine="local", progress=False,
                               stats=None)


def model_key(options: ConvertOptions) -> dict:
    """The settings that change the mattes (for the names of segment folders and worker pools)."""
    return {name: getattr(options, name) for name in MODEL_FIELDS}


def plan_job(source: str, plans: list[OutputPlan], engine: RayEngine, options: ConvertOptions) -> Job:
    """Probe one input and cut it into segments (whose files live beside its first output)."""
    with open_seekable(source, options.frame_rate) as video:
        info, stamps = video.info, video.timestamps()
    info = dataclasses.replace(info, path=Path(os.path.abspath(info.path)))  # joins run in other folders
    key = dict(model_key(worker_options(options)), segment_seconds=engine.segment_seconds, warmup=engine.warmup,
               frame_rate=options.frame_rate)
    folder = work_folder(source, os.path.abspath(plans[0].path), key)
    segments = plan_segments(os.path.abspath(source), stamps, info.time_base, engine.segment_seconds,
                             engine.warmup, folder)
    targets = [OutputPlan(absolute_output(p.path), p.kind, p.codec) for p in plans]
    return Job(source, plans, targets, info, segments, folder)


def _skipped_or_planned(sources: list[str], plans: list[OutputPlan], batch: bool, options: ConvertOptions,
                        plan: Callable[[str, list[OutputPlan]], Job]) -> tuple[list[Job], dict]:
    """Jobs for the inputs to convert, and results already known (skipped or failed inputs)."""
    jobs, known = [], {}
    for source in sources:
        try:
            mine = prepare_outputs(source, plans, batch, options.overwrite)
            if mine is None:
                if options.progress:
                    print(f"{source}: finished already, skipping", file=sys.stderr)
                known[source] = ConvertResult(source, [p.path for p in plans], skipped=True)
            else:
                jobs.append(plan(source, mine))
        except VideoMatteError as err:
            if not batch:
                raise
            print(f"videomatte: {source}: {err}", file=sys.stderr)
            known[source] = ConvertResult(source, error=str(err))
    return jobs, known


def convert_on_ray(sources: list[str], plans: list[OutputPlan], factory: SessionFactory, batch: bool,
                   options: ConvertOptions) -> list[ConvertResult]:
    """``convert`` with ``options.engine`` ``"ray"`` or a :class:`RayEngine`: the same outputs as the local
    engine, matted by Ray workers.

    Args:
        sources: inputs, expanded; plans: the outputs asked for (with ``{name}`` for batches).
        factory: the local engine's session factory (unused here: every worker builds its own from
            ``options``); kept so that both engines are called alike.
        batch: several inputs (a failed one is reported and the others go on).

    Raises:
        VideoMatteError: Ray missing or unreachable, or a bad single input.
        BatchError: some inputs of a batch failed (``results`` holds every input's, as the local engine).
    """
    begin = time.perf_counter()
    engine = ray_engine(options.engine)
    ray = import_ray()
    jobs, known = _skipped_or_planned(sources, plans, batch, options,
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
    results = [known[source] for source in sources]
    if options.stats is not None:
        seconds = time.perf_counter() - begin
        write_stats(options.stats, record or stats_record("ray", seconds, 0, {"other": seconds}, {},
                                                          inputs=len(sources)))
    return _outcome(results, batch)


def _outcome(results: list[ConvertResult], batch: bool) -> list[ConvertResult]:
    """``results``, or the local engine's errors: the single input's own, or a batch's summary."""
    failed = [r for r in results if r.error]
    if failed and not batch:
        raise VideoMatteError(f"{failed[0].source}: {failed[0].error}")
    if failed:
        raise BatchError(results)
    return results


def _run_jobs(ray: object, jobs: list[Job], engine: RayEngine, options: ConvertOptions,
              begin: float) -> tuple[dict[str, ConvertResult], dict]:
    """Matte every segment of ``jobs`` on the workers, join each input as it completes; the results and
    the stats record of the batch."""
    batch = Batch(ray, jobs, options, lambda err: failure_line(ray, err))
    model = worker_options(options)
    count = worker_count(ray, engine, batch.total)
    try:
        batch.dispatched = time.perf_counter()
        run_segments(ray, WorkerPool.get(ray, engine, model), count, deque(batch.queue()),
                     dict(options=model, hooks=engine.hooks), batch.report, lambda: batch.progress.update(0))
    finally:
        batch.close()
    results = {job.source: batch.result(job) for job in jobs}
    frames = sum(r.frames for r in results.values())
    return results, batch.stats(begin, time.perf_counter(), count, frames, inputs=len(jobs))
