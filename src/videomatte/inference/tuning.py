"""The runtime chosen by measurement on the machine at hand (``choose_runtime``), cached per CPU.

On first use of a network (its weights), frame size and ratio on the CPU, the candidates this machine
can run correctly are timed on a few frames: onnxruntime on the static graph in float32, and with the
``openvino`` extra OpenVINO in float32, and where the CPU computes in bf16 (AVX512-BF16 or AMX) bf16
and ``mixed`` (backbone fp32, the rest bf16), at the session's thread count (and half of it on 4 cores
or more). Each candidate steps the same frames from a zero state; its alpha is compared with the
onnxruntime float32 graph's (which matches the eager network to 1e-7), and the fastest candidate within
the budget (mean |Δα| <= 2e-3, 3e-3 at ratio 1) wins; onnxruntime float32 is kept unless another is at
least ``MARGIN`` faster, so measurement noise never trades exactness for nothing, and two candidates
within ``CLOSE`` of each other are timed again before one is picked. The choice is written
as JSON beside the cached graphs (``graph_cache.graphs_dir()``) under the network's graph key and the
CPU's signature (``cpu_info``): a different machine, or another core count, tunes again, and so does the
first session on a quiet machine where the choice was made on a busy one (``cpu_info.machine_busy``).
The tuning takes seconds, once per size and ratio, announced on the log (stderr from the CLI).
Sessions on a GPU, in another dtype, or with a network that does not export run eager PyTorch.
"""
from __future__ import annotations

import copy
import hashlib
import json
import logging
import os
import sys
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Optional, Union

import numpy as np

from videomatte.inference.cpu_info import (cpu_cores, cpu_digest, cpu_has_bf16, cpu_signature, load_average,
                                           machine_busy)

if TYPE_CHECKING:
    import torch
    from torch import nn

log = logging.getLogger(__name__)
MARGIN = 0.03  # a candidate must be this much faster than onnxruntime fp32 to replace it
CLOSE = 0.05  # the two fastest accepted candidates this close are timed again before one is picked
ROUNDS, BLOCK = 3, 2  # interleaved rounds; frames per candidate per round (the first of each untimed)
REFERENCE = ("onnxruntime", "fp32")
# A frame without a person says nothing of what bf16 does to a matte: below this mean alpha of the tuning
# frames only float32 candidates compete, and the choice is not cached (the next session tunes again).
MIN_SUBJECT = 0.01
NOT_JUDGED = "not judged: no person in the tuning frames"
Graphs = Union[bytes, tuple[bytes, bytes]]  # a static graph, or its two halves (front, back)
_KEPT: dict[tuple[Path, str], "Choice"] = {}  # the choices this process made or read: cache path, CPU


def budget_for(ratio: float) -> float:
    """Mean |Δα| allowed against float32: 2e-3, and 3e-3 at ratio 1."""
    return 3e-3 if ratio >= 1 else 2e-3


@dataclass(frozen=True)
class Candidate:
    """A way to run the static graph: ``runtime`` (``torch``, ``onnxruntime``, ``openvino``), ``precision``
    (``fp32``, ``bf16``, ``mixed``) and intra-op ``threads`` (0: the runtime's default)."""

    runtime: str
    precision: str = "fp32"
    threads: int = 0

    def describe(self) -> str:
        """E.g. ``openvino mixed (backbone fp32, rest bf16), 2 threads``."""
        precision = "mixed (backbone fp32, rest bf16)" if self.precision == "mixed" else self.precision
        threads = f", {self.threads} thread{'s' * (self.threads != 1)}" if self.threads else ""
        return f"{self.runtime} {precision}{threads}"


@dataclass
class Trial:
    """A candidate as measured: ms per frame (see ``measure``), mean |Δα| against onnxruntime fp32."""

    candidate: Candidate
    ms: Optional[float]
    mean_dpha: Optional[float]
    accepted: bool
    note: str = ""


@dataclass
class Choice:
    """The runtime picked for one network, size and ratio on this CPU, with the trials it was picked from.

    ``seconds`` is what the tuning cost (0 when ``cached``); ``load`` the load average when it was tuned
    (a choice tuned on a busy machine is tuned again by the first session that finds it quiet)."""

    candidate: Candidate
    trials: list[Trial] = field(default_factory=list)
    seconds: float = 0.0
    cached: bool = False
    signature: str = ""
    runner: Any = field(default=None, repr=False, compare=False)  # the winner as timed (tuning only)
    load: float = 0.0

    def describe(self) -> str:
        """One line for the log."""
        return self.candidate.describe() + (" (tuned earlier on this CPU)" if self.cached else "")

    def table(self, extra: Optional[dict[str, float]] = None) -> str:
        """Markdown table of the trials (and of ``extra`` timings, ms per frame by label, e.g. the
        authors' model), with each one's speed against onnxruntime fp32 and against the first ``extra``."""
        base = next((t.ms for t in self.trials if (t.candidate.runtime, t.candidate.precision) == REFERENCE), None)
        other = next(iter((extra or {}).items()), None)
        head = "| runtime | precision | threads | ms/frame | vs onnxruntime fp32 |"
        head += f" vs {other[0]} |" if other else ""
        lines = [head + " mean abs Δα | verdict |", "|" + "---|" * (7 + bool(other))]
        rows = [(t.candidate.runtime, t.candidate.precision, str(t.candidate.threads or "default"), t.ms,
                 t.mean_dpha, ("**chosen**" if t.candidate == self.candidate else
                               "ok" if t.accepted else t.note)) for t in self.trials]
        rows += [(name, "fp32", "default", ms, None, "baseline") for name, ms in (extra or {}).items()]
        for runtime, precision, threads, ms, dpha, verdict in rows:
            cells = [runtime, precision, threads, "-" if ms is None else f"{ms:.1f}",
                     f"{base / ms:.2f}x" if ms and base else "-"]
            if other:
                cells.append(f"{other[1] / ms:.2f}x" if ms else "-")
            cells += ["-" if dpha is None else f"{dpha:.1e}", verdict]
            lines.append("| " + " | ".join(cells) + " |")
        return "\n".join(lines)


def candidates(threads: int = 0) -> list[Candidate]:
    """What is timed here: onnxruntime fp32 first (the reference), OpenVINO fp32, and bf16 and mixed where
    the CPU has bf16 units, each at ``threads`` (0: every core, and half of them on 4 cores or more)."""
    from videomatte.inference.openvino_runner import openvino_available

    cores = cpu_cores()
    counts = [threads] if threads else ([cores, cores // 2] if cores >= 4 else [cores])
    kinds = [REFERENCE]
    if openvino_available():
        kinds += [("openvino", "fp32")] + ([("openvino", "bf16"), ("openvino", "mixed")] if cpu_has_bf16() else [])
    return [Candidate(runtime, precision, count) for runtime, precision in kinds for count in counts]


def open_runner(candidate: Candidate, graph: Graphs) -> Any:
    """A runner (``OnnxRunner``'s interface: ``states``, ``reset``, ``step``, ``dtype``) for ``candidate``;
    for the two halves (``graph`` a ``(front, back)`` pair), ``StagedRunner``'s (``begin``, ``finish``),
    each half on ``candidate.threads`` threads."""
    if isinstance(graph, tuple):
        return _open_halves(candidate, *graph)
    if candidate.runtime == "openvino":
        from videomatte.inference.openvino_runner import OpenVinoRunner

        return OpenVinoRunner(graph, candidate.precision, candidate.threads)
    from videomatte.export.runner import OnnxRunner

    return OnnxRunner(graph, providers=["CPUExecutionProvider"], threads=candidate.threads, spinning=False)


def _open_halves(candidate: Candidate, front: bytes, back: bytes) -> Any:
    if candidate.runtime == "openvino":
        from videomatte.inference.openvino_staged import OpenVinoStagedRunner

        return OpenVinoStagedRunner(front, back, candidate.precision, candidate.threads)
    from videomatte.export.runner import StagedRunner

    return StagedRunner(front, back, providers=["CPUExecutionProvider"], threads=candidate.threads, spinning=False)


def static_graph(network: "nn.Module", height: int, width: int, ratio: float, staged: bool = False) -> Graphs:
    """The cached static float32 graph of ``network`` at this size and ratio (exported on first use), or
    (``staged``) its two halves ``(front, back)`` (``videomatte.export.stages``)."""
    from videomatte.export.onnx import OnnxSettings, trace_to_onnx
    from videomatte.export.stages import STAGES
    from videomatte.inference.graph_cache import load_or_export

    net = copy.deepcopy(network).cpu().float()
    graphs = []
    for stage in STAGES if staged else (None,):
        settings = OnnxSettings(ratio=ratio, static=(height, width), stage=stage)
        graphs.append(load_or_export(net, settings, lambda path, settings=settings: trace_to_onnx(net, settings, path)))
    return tuple(graphs) if staged else graphs[0]


def measure(steppers: dict[str, Callable[[np.ndarray], np.ndarray]], frames: np.ndarray,
            rounds: int = ROUNDS, block: int = BLOCK, threads: int = 0) -> dict[str, tuple[float, list[np.ndarray]]]:
    """The fastest frame's ms and the alphas of each stepper (``frame [1,3,H,W] -> pha``) over
    ``frames`` ``[T, 3, H, W]`` (cycled): one untimed frame each, then ``rounds`` turns of ``block``
    frames each, the first of a turn untimed (another runtime's threads may still be winding down).

    Wall-clock time, except with ``threads=1``: CPU seconds of the calling thread, where both runtimes
    do the work (the same on an idle machine, and steady when other processes share the cores). The
    fastest frame rather than the median, for the same reason: load only ever adds time."""
    clock = time.thread_time if threads == 1 else time.perf_counter
    times: dict[str, list[float]] = {name: [] for name in steppers}
    alphas: dict[str, list[np.ndarray]] = {name: [step(frames[0][None])] for name, step in steppers.items()}
    for turn in range(rounds):
        for name, step in steppers.items():
            for k in range(block):
                frame = frames[(1 + turn * block + k) % len(frames)][None]
                start = clock()
                alphas[name].append(step(frame))
                if k > 0 or block == 1:
                    times[name].append(clock() - start)
    return {name: (1000 * float(np.min(times[name])), alphas[name]) for name in steppers}


def run_trials(graph: Graphs, frames: np.ndarray, budget: float, threads: int = 0,
               extra: Optional[dict[str, Callable[[np.ndarray], np.ndarray]]] = None
               ) -> tuple[list[Trial], dict[str, float], dict[Candidate, Any]]:
    """Every candidate on ``frames`` (float32 ``[T, 3, H, W]`` in 0..1), judged against the first
    (onnxruntime fp32); ``extra`` steppers are timed in the same rounds. Returns the trials, the
    ``extra`` ms per frame, and the opened runners."""
    trials, steppers, runners = [], {}, {}
    for candidate in candidates(threads):
        try:
            runners[candidate] = open_runner(candidate, graph)
            steppers[candidate] = lambda frame, runner=runners[candidate]: runner.step(frame)[1]
        except Exception as err:  # noqa: BLE001 - a runtime that cannot run this graph here simply loses
            trials.append(Trial(candidate, None, None, False, f"failed: {str(err).splitlines()[0][:60]}"))
    named = {repr(c): s for c, s in steppers.items()} | {f"extra:{k}": v for k, v in (extra or {}).items()}
    results = measure(named, frames, threads=threads)
    reference = results[repr(next(iter(steppers)))][1]
    judged = float(np.mean([r.mean() for r in reference])) >= MIN_SUBJECT
    for candidate in steppers:
        ms, alphas = results[repr(candidate)]
        dpha = float(np.mean([np.abs(a - r).mean() for a, r in zip(alphas, reference)]))
        note = "" if dpha <= budget else f"over budget {budget:.0e}"
        if not judged and candidate.precision != "fp32":
            note = NOT_JUDGED
        trials.append(Trial(candidate, ms, dpha, not note, note))
    settle_close_call(trials, steppers, frames, threads)
    return trials, {k: results[f"extra:{k}"][0] for k in (extra or {})}, runners


def settle_close_call(trials: list[Trial], steppers: dict[Candidate, Callable[[np.ndarray], np.ndarray]],
                      frames: np.ndarray, threads: int = 0) -> None:
    """Time the two fastest accepted trials again, in turns, when they are within ``CLOSE`` of each
    other, and keep each one's fastest frame over both passes (in place): wall-clock times on shared
    cores can swap two close candidates (once ``mixed`` won by 57.1 to 58.0 ms at 1080p on two threads
    and then ran 20 % slower than bf16, docs/benchmarks.md)."""
    measured = sorted((t for t in trials if t.accepted and t.ms is not None), key=lambda t: t.ms)
    if len(measured) < 2 or measured[1].ms > measured[0].ms * (1 + CLOSE):
        return
    close = measured[:2]
    again = measure({repr(t.candidate): steppers[t.candidate] for t in close}, frames, rounds=ROUNDS + 1,
                    threads=threads)
    for trial in close:
        trial.ms = min(trial.ms, again[repr(trial.candidate)][0])


def pick(trials: list[Trial]) -> Candidate:
    """The fastest accepted trial; onnxruntime fp32 unless another beats it by ``MARGIN``."""
    measured = [t for t in trials if t.accepted and t.ms is not None]
    if not measured:
        return Candidate("torch")
    reference = min((t for t in measured if (t.candidate.runtime, t.candidate.precision) == REFERENCE),
                    key=lambda t: t.ms, default=None)
    best = min(measured, key=lambda t: t.ms)
    if reference is not None and best.ms > reference.ms * (1 - MARGIN):
        return reference.candidate
    return best.candidate


def choose_runtime(network: "nn.Module", device: "torch.device | str", dtype: "torch.dtype | None",
                   height: int, width: int, ratio: float, frames: Optional[np.ndarray] = None,
                   threads: int = 0, fresh: bool = False, staged: bool = False) -> Choice:
    """The runtime for ``network`` at ``height x width`` and ``ratio`` on this machine.

    CPU, float32 and an exportable network: the cached choice for this CPU, else the tuning above on
    ``frames`` (float32 ``[T, 3, H, W]`` in 0..1, e.g. the first frames of the stream; ``None``:
    synthetic ones), whose result is cached. Anything else: eager PyTorch. ``fresh`` tunes again.
    ``staged``: the runtime of the two halves that the live loop overlaps on two cores, one thread each
    (timed in CPU seconds of both halves together: the cores are shared), tuned and cached on their own.
    """
    import torch

    if (torch.device(device).type != "cpu" or dtype not in (None, torch.float32)
            or not getattr(network, "exportable", False)):
        return Choice(Candidate("torch"))
    threads = 1 if staged else threads
    graph = static_graph(network, height, width, ratio, staged)
    path = _cache_path(graph, threads)
    kept = (path, cpu_signature())
    if not fresh and kept in _KEPT:  # one runtime per graph for the life of a process, whatever the load
        return _KEPT[kept]
    cached = None if fresh else _read(path)
    if cached is not None and not (machine_busy(cached.load) and not machine_busy()):
        _KEPT[kept] = cached
        return cached
    what = f"{'the halves of ' if staged else ''}{width}x{height} ratio {ratio:g}"
    _announce(f"tuning the runtime for {what} on this CPU (once)...")
    start, cpu_start = time.perf_counter(), time.process_time()
    trials, _, runners = run_trials(graph, _tuning_frames(frames, height, width), budget_for(ratio), threads)
    choice = Choice(pick(trials), trials, time.perf_counter() - start, False, cpu_signature(), load=load_average())
    choice.runner = runners.get(choice.candidate)
    judged = all(t.note != NOT_JUDGED for t in trials)
    busy = f", tuned again once the machine is quiet (load {choice.load:.1f})" if machine_busy(choice.load) else ""
    _announce(f"runtime for {what}: {choice.describe()} (tuned in {choice.seconds:.1f} s, "
              f"{time.process_time() - cpu_start:.1f} s of CPU; {'cached' + busy if judged else 'not cached: no person in view'})")
    if judged:
        _write(path, choice)
        _KEPT[kept] = replace(choice, runner=None, cached=True, seconds=0.0)
    return choice


def _tuning_frames(frames: Optional[np.ndarray], height: int, width: int) -> np.ndarray:
    from videomatte.export.checks import synthetic_frames

    return np.ascontiguousarray(frames, np.float32) if frames is not None and len(frames) else \
        synthetic_frames(4, height, width).numpy()


def _announce(message: str) -> None:
    """To the log; to stderr as well where nobody configured logging (a Python user sees it too)."""
    if logging.getLogger().hasHandlers():
        log.info(message)
    else:
        print(f"videomatte: {message}", file=sys.stderr, flush=True)


def _cache_path(graph: Graphs, threads: int) -> Path:
    from videomatte.inference.graph_cache import graphs_dir
    from videomatte.inference.openvino_runner import openvino_available

    digest = hashlib.sha256()
    for part in graph if isinstance(graph, tuple) else (graph,):
        digest.update(part)
    digest.update(f"{cpu_digest()} threads={threads} openvino={openvino_available()}".encode())
    return graphs_dir() / f"runtime-{digest.hexdigest()[:24]}.json"


def _read(path: Path) -> Optional[Choice]:
    """The cached choice at ``path`` when it was made on this CPU; ``None`` otherwise."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data["signature"] != cpu_signature():
            return None
        trials = [Trial(Candidate(**t.pop("candidate")), **t) for t in data["trials"]]
        return Choice(Candidate(**data["candidate"]), trials, 0.0, True, data["signature"], load=data.get("load", 0.0))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _write(path: Path, choice: Choice) -> None:
    """Store ``choice`` through a temporary name; a cache that cannot be written is skipped."""
    data = {"signature": choice.signature, "candidate": asdict(choice.candidate), "seconds": choice.seconds,
            "load": choice.load,
            "trials": [asdict(t) for t in choice.trials]}
    staged = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        staged.write_text(json.dumps(data, indent=1), encoding="utf-8")
        os.replace(staged, path)
    except OSError as err:
        log.debug("not caching the runtime choice at %s: %s", path, err)
