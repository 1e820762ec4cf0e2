"""Where the time of a conversion goes: seconds per phase, measured with ``perf_counter`` per chunk.

Two tallies are kept, because the stages of a conversion overlap (threads, Ray workers):

- ``busy``: the seconds each phase worked, summed over every thread and worker. They may add up to
  more than the wall time (stages run at once); they say what each phase costs.
- ``wall``: the wall time split among the phases, so that it adds up exactly. In one pipelined unit
  (an input of the local engine, a segment on a worker) the network's thread is the clock: the time
  it runs the network is ``network``, the time it waits for a decoded frame is ``decode``, the time
  it waits for the encoders (their queues full, their last frames at the end) is split between
  ``compositing`` and ``encode`` in the ratio of their busy times, and what is left (opening files,
  loading the model, probing) is ``other``. The Ray engine adds ``waiting`` (worker slots idle while
  the workers are matting: scheduling, imbalance at the end) and ``join`` (the joins still running
  after the last segment was matted); ``docs/cluster.md`` says how a batch's wall time is split.
"""
from __future__ import annotations

import json
import os
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

PHASES = ("decode", "network", "compositing", "encode", "join", "waiting", "other")
ENCODING = "encoding"  # wall time the network's thread waited on the output stages (split at the end)


class PhaseClock:
    """Seconds per phase of one unit of work (an input, a segment, a join); thread-safe."""

    def __init__(self) -> None:
        self.busy = dict.fromkeys(PHASES, 0.0)
        self.wall = dict.fromkeys((*PHASES, ENCODING), 0.0)
        self.frames = 0
        self.seconds = 0.0  # wall time of the unit, once closed
        self._begin = time.perf_counter()
        self._lock = threading.Lock()

    def add(self, phase: str, seconds: float, *, busy: bool = True, wall: bool = False) -> None:
        """Count ``seconds`` of ``phase`` as work (``busy``) and/or as the unit's wall time (``wall``)."""
        with self._lock:
            if busy:
                self.busy[phase] += seconds
            if wall:
                self.wall[phase] += seconds

    @contextmanager
    def timing(self, phase: str, *, busy: bool = True, wall: bool = False) -> Iterator[None]:
        """Time the block as ``phase`` (see :meth:`add`)."""
        begin = time.perf_counter()
        try:
            yield
        finally:
            self.add(phase, time.perf_counter() - begin, busy=busy, wall=wall)

    def close(self) -> "PhaseClock":
        """End the unit (once): split the wait on the encoders, call the rest of its wall time ``other``."""
        if ENCODING not in self.wall:
            return self
        self.seconds = time.perf_counter() - self._begin
        waited = self.wall.pop(ENCODING, 0.0)
        work = self.busy["compositing"] + self.busy["encode"]
        for phase in ("compositing", "encode"):
            self.wall[phase] += waited * (self.busy[phase] / work if work else 0.5)
        self.wall["other"] += max(0.0, self.seconds - sum(self.wall.values()))
        return self

    def as_dict(self) -> dict:
        """``{"seconds", "frames", "wall": {phase: s}, "busy": {phase: s}}`` (picklable, JSON-ready)."""
        return {"seconds": self.seconds, "frames": self.frames, "wall": dict(self.wall), "busy": dict(self.busy)}


def add_into(total: dict[str, float], part: dict[str, float], scale: float = 1.0) -> None:
    """``total[phase] += scale * part[phase]`` for every phase of ``part``."""
    for phase, seconds in part.items():
        total[phase] = total.get(phase, 0.0) + scale * seconds


def stats_record(engine: str, seconds: float, frames: int, wall: dict[str, float], busy: dict[str, float],
                 **extra: object) -> dict:
    """The content of ``convert --stats FILE.json``: the wall time, its split (adds up to it), the busy
    seconds of each phase, and milliseconds of busy time per frame."""
    per_frame = {phase: 1000 * busy[phase] / frames for phase in PHASES if frames and busy.get(phase)}
    return {"engine": engine, "seconds": seconds, "frames": frames, "fps": frames / seconds if seconds else 0.0,
            "phases": {phase: wall.get(phase, 0.0) for phase in PHASES},
            "busy": {phase: busy.get(phase, 0.0) for phase in PHASES},
            "busy_ms_per_frame": per_frame, **extra}


def sequential_record(engine: str, seconds: float, units: list[PhaseClock], **extra: object) -> dict:
    """The stats of units run one after another in ``seconds`` (the local engine): their wall splits
    add up, and the time outside every unit (expanding inputs, planning outputs) is ``other``."""
    wall: dict[str, float] = {}
    busy: dict[str, float] = {}
    for unit in units:
        add_into(wall, unit.wall)
        add_into(busy, unit.busy)
    wall["other"] = wall.get("other", 0.0) + max(0.0, seconds - sum(unit.seconds for unit in units))
    return stats_record(engine, seconds, sum(unit.frames for unit in units), wall, busy, **extra)


def write_stats(path: str | os.PathLike, record: dict) -> None:
    """Write ``record`` as JSON to ``path`` (under a temporary name, then renamed)."""
    from videomatte.io.files import write_atomically

    text = json.dumps(record, indent=2)
    write_atomically(Path(path), lambda temp: temp.write_text(text + "\n"))
