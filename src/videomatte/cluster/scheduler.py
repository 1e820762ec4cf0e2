"""Serving segments to worker actors: a pool of workers per model setting, one segment in flight each,
dead workers replaced, every ending reported to the driver."""
from __future__ import annotations

from collections import deque
from typing import Callable

from videomatte.cluster.ray_settings import RaySettings
from videomatte.cluster.plan import Segment
from videomatte.cluster.worker import SegmentDone, worker_class
from videomatte.inference.model_settings import ModelSettings

POLL = 0.25  # seconds between progress redraws while waiting for workers


def worker_count(ray: object, engine: RaySettings, segments: int) -> int:
    """Workers to start: as asked, else as many as the cluster's CPUs (GPUs) hold, never more than segments."""
    if engine.workers is None:
        resources = ray.cluster_resources()
        if engine.gpus_per_worker:
            count = int(resources.get("GPU", 0) // engine.gpus_per_worker)
        else:
            count = int(resources.get("CPU", 1) // engine.cpus_per_worker)
    else:
        count = engine.workers
    return max(1, min(count, segments))


def failure_line(ray: object, err: BaseException) -> str:
    """One line for a failed task: the worker's own error, not Ray's wrapping of it."""
    cause = getattr(err, "cause", None)
    if isinstance(err, ray.exceptions.RayTaskError) and cause is not None:
        return str(cause).splitlines()[0] if str(cause) else type(cause).__name__
    return (str(err).splitlines() or [type(err).__name__])[0]


def run_segments(ray: object, workers: "WorkerPool", count: int, queue: deque, task: dict,
                 report: Callable[[Segment, SegmentDone | None, str | None], None],
                 tick: Callable[[], None]) -> None:
    """Serve ``queue`` (``(segment, its input's outputs)``) with ``count`` workers of ``workers``, one
    segment in flight per worker.

    ``task`` holds the other arguments of ``SegmentWorker.run``. ``report(segment, done, error)`` is
    called in the driver as each segment ends; a worker whose process died more often than Ray
    restarts it is replaced.
    """
    idle = workers.take(count)
    pending: dict = {}
    while queue or pending:
        while idle and queue:
            segment, plans = queue.popleft()
            worker = idle.pop()
            pending[worker.run.remote(segment, plans, **task)] = (worker, segment)
        ready, _ = ray.wait(list(pending), num_returns=1, timeout=POLL)
        for ref in ready:
            worker, segment = pending.pop(ref)
            try:
                report(segment, ray.get(ref), None)
            except ray.exceptions.RayActorError as err:
                worker = workers.replace(worker)
                report(segment, None, failure_line(ray, err))
            except ray.exceptions.RayError as err:
                report(segment, None, failure_line(ray, err))
            idle.append(worker)
        tick()


class WorkerPool:
    """Worker actors of one model setting, kept between conversions of this process on the same Ray
    connection (a model is loaded once per worker, not once per call); a conversion with other settings
    ends the pool before it."""

    _pools: dict[tuple, "WorkerPool"] = {}

    def __init__(self, actor: object, model: ModelSettings, emulate: float | None = None) -> None:
        self.actor, self.model, self.emulate, self.workers = actor, model, emulate, []

    @classmethod
    def get(cls, ray: object, engine: RaySettings, model: ModelSettings) -> "WorkerPool":
        """The pool for ``model`` on the current Ray job (a new connection starts new pools)."""
        key = (ray.get_runtime_context().get_job_id(), engine.cpus_per_worker, engine.gpus_per_worker,
               repr(sorted(model.key().items())), engine.emulate_network)
        if key not in cls._pools:
            for other in [k for k in cls._pools if k[0] == key[0]]:
                # its actors would hold their CPUs (GPUs) for good, and a small cluster would then
                # never start the new pool's workers: a second conversion with other settings hung
                cls._pools.pop(other).close(ray)
            cls._pools[key] = WorkerPool(worker_class(ray, engine.cpus_per_worker, engine.gpus_per_worker), model,
                                         engine.emulate_network)
        return cls._pools[key]

    @classmethod
    def forget(cls) -> None:
        """Drop every pool (their actors end with the handles), e.g. before Ray shuts down."""
        cls._pools.clear()

    def take(self, count: int) -> list:
        """``count`` workers, starting the missing ones."""
        while len(self.workers) < count:
            self.workers.append(self.actor.remote(self.model, self.emulate))
        return list(self.workers[:count])

    def close(self, ray: object) -> None:
        """End this pool's actors now, freeing what they hold on the cluster."""
        for worker in self.workers:
            ray.kill(worker)
        self.workers = []

    def replace(self, dead: object) -> object:
        """A new worker in place of a dead one."""
        fresh = self.actor.remote(self.model, self.emulate)
        self.workers = [fresh if w is dead else w for w in self.workers]
        return fresh
