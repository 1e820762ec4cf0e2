"""Settings of the Ray engine (no Ray import here: the command line checks them before Ray is loaded)."""
from __future__ import annotations

from dataclasses import dataclass

from videomatte.errors import OptionError

DEFAULT_SEGMENT_SECONDS = 10.0
# Frames run before a segment's first frame to rebuild the recurrent state (outputs discarded); chosen
# from the measurement in docs/cluster.md (benchmarks/bench_cluster.py --warmup-sweep).
DEFAULT_WARMUP = 64


@dataclass(frozen=True)
class FaultHooks:
    """Failures injected on purpose, for tests of retries and resumption (never set in normal use).

    Attributes:
        crash_marker: a file; the first worker that starts segment ``crash_segment`` while it exists
            deletes it and kills its own process halfway through the segment (Ray restarts the actor
            and retries the task).
        crash_segment: number of the segment (within its input) that crashes.
        fail_segment: number of a segment that always raises, so its input fails (an interrupted run).
    """

    crash_marker: str | None = None
    crash_segment: int = 0
    fail_segment: int | None = None


@dataclass(frozen=True)
class RaySettings:
    """How to run a conversion on Ray (``RayEngine`` is these settings with ``run``).

    Attributes:
        address: ``None`` starts a local Ray instance (or uses the one this process already joined);
            ``"auto"`` joins the cluster of this machine (``ray start --head``); ``ray://HOST:10001``
            connects through Ray Client.
        workers: worker actors (one model each); ``None`` = as many as the cluster's CPUs (or GPUs, with
            ``gpus_per_worker``) allow.
        gpus_per_worker: GPUs reserved for each worker (fractions share a GPU); 0 runs on CPUs.
        cpus_per_worker: CPUs reserved for each worker, also the number of onnxruntime threads.
        segment_seconds: length of a segment, in seconds of the input.
        warmup: frames decoded and matted before each segment's start, outputs discarded.
        hooks: injected failures, for tests only.
        emulate_network: for benchmarks only: seconds per frame that stand in for the network (no model is
            loaded; the mattes mean nothing), see ``videomatte.cluster.emulation``.

    Raises:
        OptionError: (from the constructor) a value out of range.
    """

    address: str | None = None
    workers: int | None = None
    gpus_per_worker: float = 0.0
    cpus_per_worker: float = 1.0
    segment_seconds: float = DEFAULT_SEGMENT_SECONDS
    warmup: int = DEFAULT_WARMUP
    hooks: FaultHooks | None = None
    emulate_network: float | None = None

    def __post_init__(self) -> None:
        if self.workers is not None and self.workers < 1:
            raise OptionError(f"--workers must be at least 1, got {self.workers}")
        if self.gpus_per_worker < 0 or self.cpus_per_worker <= 0:
            raise OptionError("--gpus-per-worker must be >= 0 and --cpus-per-worker > 0")
        if not self.segment_seconds > 0:
            raise OptionError(f"--segment-seconds must be positive, got {self.segment_seconds}")
        if self.warmup < 0:
            raise OptionError(f"--warmup must be 0 or more frames, got {self.warmup}")
