"""Model-speed benchmark: parameters, GMACs, and frames per second per runtime, measured side by side.

All runtimes of one resolution are timed in turns in one process (a few consecutive frames each per
round, the recurrent state carried), so that load from other processes falls on all of them alike;
the median frame time gives the fps. Quality is mean |alpha difference| against the fp32 eager network on the
same real frames.
"""
from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional

import numpy as np
import torch

from videomatte.models.network import MattingNetwork

Step = Callable[[np.ndarray], np.ndarray]  # frame [1, 3, H, W] -> alpha [1, 1, H, W], state kept inside


@dataclass
class BenchRow:
    """One runtime at one resolution."""

    runtime: str
    size: tuple[int, int]
    ratio: float
    fps: float
    mean_dpha: Optional[float]


def count_gmacs(net: MattingNetwork, height: int, width: int, ratio: float) -> float:
    """Multiply-accumulates (in 1e9) of one frame, counted by ``FlopCounterMode`` (MACs = FLOPs / 2)."""
    from torch.utils.flop_counter import FlopCounterMode

    counter = FlopCounterMode(display=False)
    with counter, torch.inference_mode():
        net(torch.rand(1, 3, height, width), downsample_ratio=ratio)
    return counter.get_total_flops() / 2e9


def torch_step(module: torch.nn.Module, ratio: float, script: bool = False) -> Step:
    """Eager (or TorchScript) stepping with the state carried."""
    rec: list = [None] * 4

    def step(frame: np.ndarray) -> np.ndarray:
        nonlocal rec
        with torch.inference_mode():
            src = torch.from_numpy(frame)
            out = module(src, *rec, ratio) if script else module(src, *rec, downsample_ratio=ratio)
        rec = out[2:]
        return out[1].numpy()

    return step


def ort_step(path: Path | bytes, ratio: Optional[float], threads: int = 0) -> Step:
    """onnxruntime stepping (``OnnxRunner``); feeds ``downsample_ratio`` when the graph takes it."""
    from videomatte.export.runner import OnnxRunner

    runner = OnnxRunner(path, threads=threads)
    return lambda frame: runner.step(frame, ratio)[1]


def project_runtimes(net: MattingNetwork, height: int, width: int, ratio: float, workdir: Path,
                     calibration: Optional[np.ndarray] = None) -> dict[str, Step]:
    """Steppers for eager, TorchScript, and this package's ONNX exports (dynamic, static, int8), each
    where the network's variant supports it (the seed variants: eager, TorchScript without BRM, static ONNX)."""
    from videomatte.errors import ExportError
    from videomatte.export.onnx import OnnxSettings, trace_to_onnx
    from videomatte.export.torchscript import script_model

    runtimes = {"torch eager": torch_step(net, ratio)}
    try:
        runtimes["torchscript"] = torch_step(script_model(net), ratio, True)
    except ExportError:
        pass
    if net.exportable:
        trace_to_onnx(net, OnnxSettings(), workdir / "dynamic.onnx")
        runtimes["onnx fp32 dynamic"] = ort_step(workdir / "dynamic.onnx", ratio)
    static = workdir / "static.onnx"
    trace_to_onnx(net, OnnxSettings(ratio=ratio, static=(height, width)), static)
    runtimes["onnx fp32 static"] = ort_step(static, ratio)
    if calibration is not None and net.exportable:
        from videomatte.export.quantize import quantize_int8

        quantize_int8(static, workdir / "int8.onnx", calibration, ratio)
        runtimes["onnx int8 static"] = ort_step(workdir / "int8.onnx", ratio)
    return runtimes


def run_side_by_side(runtimes: dict[str, Step], frames: np.ndarray, rounds: int, block: int = 4
                     ) -> dict[str, tuple[float, list[np.ndarray]]]:
    """Time each runtime on ``frames`` ``[T, 3, H, W]`` (cycled), in turns; returns fps and alphas.

    Each turn runs ``block`` consecutive frames of one runtime and times all but the first, so that no
    timed frame follows another runtime's frame: onnxruntime's and OpenMP's worker threads keep spinning
    for a while after a run and would slow whatever runs next on a 2-core machine. The first round is
    a warm-up. Every runtime sees the same frame sequence, so the alphas can be compared frame by frame.
    """
    times: dict[str, list[float]] = {name: [] for name in runtimes}
    alphas: dict[str, list[np.ndarray]] = {name: [] for name in runtimes}
    for index in range(rounds + 1):
        for name, step in runtimes.items():
            for k in range(block):
                frame = frames[(index * block + k) % len(frames)][None]
                start = time.perf_counter()
                pha = step(frame)
                if index > 0 and k > 0:
                    times[name].append(time.perf_counter() - start)
                alphas[name].append(pha)
    return {name: (1.0 / float(np.median(times[name])), alphas[name]) for name in runtimes}


def bench_resolution(net: MattingNetwork, frames: np.ndarray, ratio: float, rounds: int,
                     extra: Optional[dict[str, Step]] = None, calibration: Optional[np.ndarray] = None
                     ) -> list[BenchRow]:
    """All runtimes (plus ``extra`` ones, e.g. the official ONNX) at the size of ``frames``."""
    height, width = frames.shape[-2:]
    with tempfile.TemporaryDirectory(prefix="videomatte-bench-") as tmp:
        runtimes = {**(extra or {}), **project_runtimes(net, height, width, ratio, Path(tmp), calibration)}
        results = run_side_by_side(runtimes, frames, rounds)
    reference = results["torch eager"][1]
    rows = []
    for name, (fps, alphas) in results.items():
        dpha = float(np.mean([np.abs(a - r).mean() for a, r in zip(alphas, reference)]))
        rows.append(BenchRow(name, (height, width), ratio, fps, dpha))
    return rows


def format_table(rows: list[BenchRow], baseline: Optional[str] = None) -> str:
    """A Markdown table; ``baseline`` adds a speed-up column relative to that runtime."""
    head = "| resolution | ratio | runtime | fps | mean abs Δα vs eager |" + (" speed-up |" if baseline else "")
    lines = [head, "|" + "---|" * (5 + bool(baseline))]
    for row in rows:
        base = next((r.fps for r in rows if r.runtime == baseline and r.size == row.size), None)
        cells = [f"{row.size[1]}x{row.size[0]}", f"{row.ratio:g}", row.runtime, f"{row.fps:.2f}",
                 "-" if row.mean_dpha is None else f"{row.mean_dpha:.1e}"]
        if baseline:
            cells.append(f"{row.fps / base:.2f}x" if base else "-")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)
