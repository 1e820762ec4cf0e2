"""Cost of despill and of the matte's finishing at 1080p (and 360x640, 4K), against the authors' model.

    PYTHONPATH=src python benchmarks/bench_finishing_cost.py --rounds 7

Each step is timed as the session runs it: on tensors already in memory (``[3, H, W]`` float32, the
model's foreground and alpha of a frame of ``group_1920x1080.mp4``), despill in place on a fresh copy
of the foreground made outside the timer, finishing on the alpha. Costs are one thread's CPU seconds
(``time.thread_time``, one intra-op thread for torch and onnxruntime), medians of interleaved rounds
with the authors' ONNX model at 1080p (downsample ratio 0.25) in the same process; each round's ratio
to the model's frame of that round is reported with its range.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np
import torch

from videomatte.export.runner import OnnxRunner
from videomatte.finishing.despill import despill
from videomatte.finishing.matte import finish_matte
from videomatte.finishing.settings import Finishing
from videomatte.io.readers import open_reader

FINISHING = {"levels 0.05,0.95": Finishing(levels=(0.05, 0.95)), "shrink 1.5": Finishing(shrink=1.5),
             "shrink -4": Finishing(shrink=-4), "feather 2": Finishing(feather=2), "feather 8": Finishing(feather=8),
             "all three": Finishing(levels=(0.05, 0.95), shrink=1.5, feather=2)}


def _frames(path: Path, count: int) -> list[np.ndarray]:
    """The first ``count`` frames of ``path``, ``float32 [3, H, W]`` in 0..1."""
    with open_reader(path) as reader:
        frames = []
        for frame in reader:
            frames.append(np.ascontiguousarray(frame.image.transpose(2, 0, 1), np.float32) / 255)
            if len(frames) == count:
                return frames
    return frames


def _cases(runner: OnnxRunner, clips: Path) -> dict[str, tuple[torch.Tensor, torch.Tensor, torch.Tensor]]:
    """(src, fgr, pha) ``[1, C, H, W]`` tensors at each size: the model's matte of the 6th frame."""
    cases = {}
    for size, clip in (("360x640", "person_short_360x640.mp4"), ("1080p", "group_1920x1080.mp4")):
        frames = _frames(clips / clip, 6)
        runner.reset()
        for frame in frames:
            fgr, pha = runner.step(frame[None], 0.25 if size == "1080p" else 0.375)
        cases[size] = (torch.from_numpy(frames[-1])[None], torch.from_numpy(fgr), torch.from_numpy(pha))
    up = lambda x: torch.nn.functional.interpolate(x, scale_factor=2, mode="bilinear")
    cases["4K"] = tuple(up(x).contiguous() for x in cases["1080p"])  # type: ignore[assignment]
    return cases


def _seconds(fn, *args) -> float:
    start = time.thread_time()
    fn(*args)
    return time.thread_time() - start


def _despill_seconds(src: torch.Tensor, fgr: torch.Tensor, pha: torch.Tensor) -> float:
    target = fgr.clone()  # the session despills its own fresh foreground in place
    return _seconds(despill, src, target, pha, True)


def measure(runner: OnnxRunner, clips: Path, rounds: int, say) -> dict[str, list[float]]:
    """Per-round thread seconds of the model at 1080p and of each step, interleaved."""
    cases = _cases(runner, clips)
    model_input = cases["1080p"][0].numpy()
    runner.reset()
    runner.step(model_input, 0.25)
    times: dict[str, list[float]] = {"model 1080p": []}
    for _ in range(rounds):
        times["model 1080p"].append(_seconds(runner.step, model_input, 0.25))
        for size, (src, fgr, pha) in cases.items():
            times.setdefault(f"despill {size}", []).append(_despill_seconds(src, fgr, pha))
        for name, finishing in FINISHING.items():
            times.setdefault(f"{name} 1080p", []).append(_seconds(finish_matte, cases["1080p"][2], finishing))
        say(f"round done, load {os.getloadavg()[0]:.1f}")
    return times


def table(times: dict[str, list[float]]) -> str:
    """Markdown: each step's median ms and its 1080p ones as a share of the model's frame (median of
    the per-round ratios, and their range)."""
    model = np.array(times["model 1080p"])
    head = (f"the authors' model at 1080p: {1000 * np.median(model):.0f} ms (range {1000 * model.min():.0f}-"
            f"{1000 * model.max():.0f})")
    lines = [head, "", "| step | ms | share of the model's frame (range) |",
             "|---|---|---|"]
    for step, values in times.items():
        if step == "model 1080p":
            continue
        ratio = np.array(values) / model
        share = f"{100 * np.median(ratio):.1f} % ({100 * ratio.min():.1f}-{100 * ratio.max():.1f})" \
            if step.endswith("1080p") else ""
        lines.append(f"| {step} | {1000 * np.median(values):.1f} | {share} |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clips", type=Path, default=Path("../shared/data/clips"))
    parser.add_argument("--weights", type=Path, default=Path("../shared/data/weights/rvm_mobilenetv3_fp32.onnx"))
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    if not args.weights.is_file() or not args.clips.is_dir():
        print(f"needs {args.weights} and {args.clips}", file=sys.stderr)
        return 2
    say = lambda message: print(message, file=sys.stderr)
    torch.set_num_threads(1)
    runner = OnnxRunner(args.weights, threads=1)
    say(f"load average {os.getloadavg()[0]:.1f}")
    times = measure(runner, args.clips, args.rounds, say)
    say(f"load average {os.getloadavg()[0]:.1f}")
    print(table(times))
    return 0


if __name__ == "__main__":
    sys.exit(main())
