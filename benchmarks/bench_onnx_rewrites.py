"""What each hand-written rewrite of the static ONNX export buys on this CPU: one rewrite undone at a time.

Exports the official MobileNetV3 weights with static shapes, once with every rewrite and once per
rewrite with that one undone (and once with none), and times them in one process, round-robin with
the authors' ``rvm_mobilenetv3_fp32.onnx``, on real frames with the recurrent state carried. Each
turn runs ``--block`` consecutive frames of one graph and times all but the first (so no timed frame
follows another graph's).

On a shared machine wall-clock time mostly measures the other processes, so by default every graph
runs on one onnxruntime thread (``--threads``) and each frame is timed in CPU seconds of the calling
thread, which onnxruntime computes on when it has one thread: the work a rewrite saves, nearly
independent of the load. The table gives the minimum and the median frame time and the median's
ratio against the authors' model measured in the same rounds. One command:

    python benchmarks/bench_onnx_rewrites.py                     # 512x288 r1 and 1920x1080 r0.25
    python benchmarks/bench_onnx_rewrites.py --case 1080p-auto --rounds 20
"""
from __future__ import annotations

import argparse
import contextlib
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable, Iterator, Optional

import numpy as np

SHARED = Path(__file__).resolve().parents[1] / ".." / "shared" / "data"
OFFICIAL = SHARED / "weights" / "rvm_mobilenetv3_fp32.onnx"
CASES = {"288p": ((288, 512), 1.0, "clips/person_short_360x640.mp4"),
         "1080p": ((1080, 1920), 0.25, "clips/group_1920x1080.mp4"),
         "1080p-auto": ((1080, 1920), 512 / 1920, "clips/group_1920x1080.mp4")}


def _one_resize(low, like, parts, fixed_shapes):  # noqa: ANN001, ANN202 - the route of dynamic shapes
    from videomatte.export.upsample import UpsampleLike

    return list(UpsampleLike.apply(low, like).split(list(parts), dim=1))


TRACE_REWRITES = ("split_concat_convs", "block_upsamplings")


def wrapper_undo_table() -> dict[str, tuple[str, Callable]]:
    """For each rewrite of the export wrapper: the attribute of ``export.wrappers`` that undoes it."""
    return {
        "two-pass upsample_parts": ("upsample_parts", _one_resize),
        "gray matmul": ("_gray", lambda rgb: rgb.mean(dim=1, keepdim=True)),
    }


@contextlib.contextmanager
def undone(names: list[str]) -> Iterator[None]:
    """Export with the wrapper rewrites ``names`` replaced by their plain forms."""
    from videomatte.export import wrappers

    saved = {}
    for name in names:
        attribute, replacement = wrapper_undo_table()[name]
        saved[attribute] = getattr(wrappers, attribute)
        setattr(wrappers, attribute, replacement)
    try:
        yield
    finally:
        for attribute, original in saved.items():
            setattr(wrappers, attribute, original)


def variants(net, size: tuple[int, int], ratio: float, workdir: Path,  # noqa: ANN001
             only: Optional[list[str]] = None) -> dict[str, Path]:
    """Static exports: all rewrites, each one undone (or those in ``only``), and none."""
    from videomatte.export.onnx import OnnxSettings, trace_to_onnx

    every = [*TRACE_REWRITES, *wrapper_undo_table()]
    plans = {"all rewrites": [], **{f"without {name}": [name] for name in only or every}, "no rewrites": every}
    paths = {}
    for label, names in plans.items():
        path = workdir / f"{len(paths)}.onnx"
        kept = frozenset(TRACE_REWRITES) - set(names)
        with undone([name for name in names if name not in TRACE_REWRITES]):
            trace_to_onnx(net, OnnxSettings(ratio=ratio, static=size), path, rewrites=kept)
        paths[label] = path
    return paths


def time_round_robin(steps: dict[str, Callable], frames: np.ndarray, rounds: int, block: int,
                     clock: Callable[[], float] = time.perf_counter) -> dict[str, list[float]]:
    """Frame times (s, by ``clock``) of each stepper, ``block`` frames per turn, the first of each turn untimed."""
    times: dict[str, list[float]] = {name: [] for name in steps}
    for index in range(rounds + 1):
        for name, step in steps.items():
            for k in range(block):
                frame = frames[(index * block + k) % len(frames)][None]
                start = clock()
                step(frame)
                if index and k:
                    times[name].append(clock() - start)
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--case", choices=sorted(CASES), action="append")
    parser.add_argument("--rounds", type=int, default=12)
    parser.add_argument("--block", type=int, default=4)
    parser.add_argument("--only", action="append", help="undo only these rewrites, one at a time")
    parser.add_argument("--threads", type=int, default=1, help="onnxruntime threads; above 1, wall-clock time")
    args = parser.parse_args()
    if not OFFICIAL.is_file():
        print(f"needs the official ONNX at {OFFICIAL}", file=sys.stderr)
        return 2
    from videomatte.export.runtime_bench import ort_step
    from videomatte.export.quantize import load_frames
    from videomatte.models.weights.zoo import load_model

    net = load_model("mobilenetv3", weights=str(OFFICIAL))
    unit = "CPU ms, 1 thread" if args.threads == 1 else f"wall ms, {args.threads} threads"
    print(f"| resolution | ratio | graph | min {unit} | median | official / this (median) |")
    print("|---|---|---|---|---|---|")
    for case in args.case or ["288p", "1080p"]:
        (height, width), ratio, clip = CASES[case]
        frames = load_frames(SHARED / clip, height, width, count=8, stride=4)
        with tempfile.TemporaryDirectory(prefix="videomatte-rewrites-") as tmp:
            steps = {"official onnx": ort_step(OFFICIAL, ratio, args.threads)}
            steps.update({label: ort_step(path, ratio, args.threads)
                          for label, path in variants(net, (height, width), ratio, Path(tmp), args.only).items()})
            load = os.getloadavg()[0]
            clock = time.thread_time if args.threads == 1 else time.perf_counter
            times = time_round_robin(steps, frames, args.rounds, args.block, clock)
        base = float(np.median(times["official onnx"]))
        for label, values in times.items():
            median = float(np.median(values))
            print(f"| {width}x{height} | {ratio:.4g} | {label} | {1e3 * min(values):.1f} | {1e3 * median:.1f} | "
                  f"{base / median:.2f}x |", flush=True)
        print(f"<!-- load average {load:.1f} -> {os.getloadavg()[0]:.1f}, {os.cpu_count()} cores -->", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
