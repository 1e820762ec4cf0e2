"""CPU runtimes of the tuned session against the authors' ONNX model, measured as docs/benchmarks.md says.

In one process, in interleaved rounds (every runtime a few consecutive frames per round, the first of
each turn untimed), at 512x288 ratio 1 and 1920x1080 ratio 0.25 on real frames:

- the authors' ``rvm_mobilenetv3_fp32.onnx`` in onnxruntime (the baseline);
- our static graph in onnxruntime fp32 (the runtime before the tuning);
- the same graph in OpenVINO fp32, bf16 and mixed (backbone fp32, the rest bf16);
- the default ``MattingSession`` (``backend="auto"``), fed uint8 ``[H, W, 3]`` frames: its own
  conversion to float included (the others get float frames made beforehand), after its tuning
  (timed separately, and reported).

``--threads 1`` (the default) times each frame in CPU seconds of the calling thread (steady on a shared
machine: both runtimes work on the caller's thread at one thread); ``--threads 2`` in wall-clock time,
what a user sees. The ratio column is the median over rounds of (authors' ms / runtime's ms) in that
round, with the range. Mean |Δα| is against our fp32 graph (the network to 1e-7) on the same frames.

    python benchmarks/bench_runtimes.py --threads 1 --rounds 8
    python benchmarks/bench_runtimes.py --threads 2 --rounds 8
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

SHARED = Path(__file__).resolve().parents[1] / ".." / "shared" / "data"
OFFICIAL = SHARED / "weights" / "rvm_mobilenetv3_fp32.onnx"
CASES = [((288, 512), 1.0, "clips/person_short_360x640.mp4"), ((1080, 1920), 0.25, "clips/group_1920x1080.mp4")]


def steppers(net, graph: bytes, ratio: float, threads: int, frames8: np.ndarray) -> tuple[dict, str]:  # noqa: ANN001
    """``name -> step(index) -> alpha [H, W]`` for every runtime, and the session's tuning line."""

    from videomatte.export.runner import OnnxRunner
    from videomatte.inference.openvino_runner import OpenVinoRunner
    from videomatte.inference.session import MattingSession

    floats = np.ascontiguousarray(frames8.transpose(0, 3, 1, 2), np.float32) / 255  # bare models: no conversion

    def runner_step(runner, takes_ratio=False):  # noqa: ANN001, ANN202
        return lambda i: runner.step(floats[i][None], ratio if takes_ratio else None)[1][0, 0]

    steps = {"authors' onnx": runner_step(OnnxRunner(OFFICIAL, threads=threads, spinning=False), True),
             "onnxruntime fp32 static": runner_step(OnnxRunner(graph, threads=threads, spinning=False))}
    for precision in ("fp32", "bf16", "mixed"):
        steps[f"openvino {precision}"] = runner_step(OpenVinoRunner(graph, precision, threads))
    session = MattingSession(net, downsample_ratio=ratio)
    session.backend.threads = threads
    start = time.perf_counter()
    session.step(frames8[0])
    tuned = f"{session!r}, first frame {time.perf_counter() - start:.1f} s"
    session.reset()
    steps["MattingSession default (uint8 in)"] = lambda i: session.step(frames8[i]).pha[0, 0].numpy()
    return steps, tuned


def run_case(net, size, ratio, clip, threads, rounds, block=3):  # noqa: ANN001, ANN201
    from videomatte.export.quantize import load_frames
    from videomatte.inference.tuning import static_graph

    height, width = size
    frames = load_frames(SHARED / clip, height, width, count=12, stride=4)
    frames8 = np.ascontiguousarray((frames * 255).round().astype(np.uint8).transpose(0, 2, 3, 1))
    steps, tuned = steppers(net, static_graph(net, height, width, ratio), ratio, threads, frames8)
    clock = time.thread_time if threads == 1 else time.perf_counter
    times = {name: [[] for _ in range(rounds)] for name in steps}
    alphas = {name: [] for name in steps}
    for turn in range(rounds + 1):
        for name, step in steps.items():
            for k in range(block):
                index = (turn * block + k) % len(frames8)
                start = clock()
                alphas[name].append(step(index))
                if turn > 0 and k > 0:
                    times[name][turn - 1].append(clock() - start)
    return report(times, alphas, size, ratio), tuned


def report(times, alphas, size, ratio) -> list[str]:  # noqa: ANN001
    base = [np.median(t) for t in times["authors' onnx"]]
    reference = alphas["onnxruntime fp32 static"]
    lines = []
    for name, per_round in times.items():
        medians = [np.median(t) for t in per_round]
        ratios = [b / m for b, m in zip(base, medians)]
        dpha = np.mean([np.abs(a - r).mean() for a, r in zip(alphas[name], reference)])
        lines.append(f"| {size[1]}x{size[0]} | {ratio:g} | {name} | {1000 * np.median(medians):.1f} | "
                     f"{np.median(ratios):.2f}x ({min(ratios):.2f}-{max(ratios):.2f}) | {dpha:.1e} |")
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--only", choices=["small", "hd"], help="one case only")
    args = parser.parse_args()
    if not OFFICIAL.is_file():
        print(f"needs the official ONNX at {OFFICIAL}", file=sys.stderr)
        return 2
    os.environ.setdefault("VIDEOMATTE_CACHE", tempfile.mkdtemp(prefix="videomatte-bench-"))  # a fresh tuning
    import torch

    from videomatte.inference.cpu_info import cpu_signature
    from videomatte.models.weights.zoo import load_model

    torch.set_num_threads(1)
    net = load_model("mobilenetv3", weights=str(OFFICIAL))
    print(f"CPU: {cpu_signature()}; load average before: {os.getloadavg()[0]:.1f}", flush=True)
    clock = "CPU ms of the calling thread" if args.threads == 1 else "wall ms"
    lines = [f"| resolution | ratio | runtime | {clock} (median) | vs authors' onnx | mean abs Δα |",
             "|---|---|---|---|---|---|"]
    cases = CASES if args.only is None else [CASES[0 if args.only == "small" else 1]]
    for size, ratio, clip in cases:
        rows, tuned = run_case(net, size, ratio, clip, args.threads, args.rounds)
        print(tuned, flush=True)
        lines += rows
    print(f"load average after: {os.getloadavg()[0]:.1f}")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
