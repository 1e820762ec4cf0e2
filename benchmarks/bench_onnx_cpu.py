"""CPU model runtimes side by side: the authors' ONNX export against this package's runtimes.

Times, in one process and round-robin, the official ``rvm_mobilenetv3_fp32.onnx`` in onnxruntime,
eager PyTorch, TorchScript, and ONNX files from ``videomatte export`` (dynamic shapes with a runtime
ratio, static shapes with the ratio baked in, and int8), at 512x288 ratio 1 and 1920x1080 ratio 0.25,
batch 1, on real frames, with mean |alpha difference| against the fp32 eager model. One command:

    python benchmarks/bench_onnx_cpu.py              # prints a Markdown table
    python benchmarks/bench_onnx_cpu.py --rounds 20 --no-int8
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

SHARED = Path(__file__).resolve().parents[1] / ".." / "shared" / "data"
OFFICIAL = SHARED / "weights" / "rvm_mobilenetv3_fp32.onnx"
CASES = [((288, 512), 1.0, "clips/person_short_360x640.mp4"), ((1080, 1920), 0.25, "clips/group_1920x1080.mp4")]
CALIBRATION = "clips/person_walk_360x640.mp4"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=12)
    parser.add_argument("--no-int8", action="store_true")
    args = parser.parse_args()
    if not OFFICIAL.is_file():
        print(f"needs the official ONNX at {OFFICIAL}", file=sys.stderr)
        return 2
    from videomatte.export.runtime_bench import bench_resolution, count_gmacs, format_table, ort_step
    from videomatte.export.quantize import load_frames
    from videomatte.models.weights.zoo import load_model

    net = load_model("mobilenetv3", weights=str(OFFICIAL))
    print(f"load average before: {os.getloadavg()[0]:.1f} (cores: {os.cpu_count()})")
    rows = []
    for (height, width), ratio, clip in CASES:
        frames = load_frames(SHARED / clip, height, width, count=12, stride=4)
        calibration = None if args.no_int8 else load_frames(SHARED / CALIBRATION, height, width, count=16, stride=7)
        print(f"{width}x{height} @{ratio:g}: {count_gmacs(net, height, width, ratio):.2f} GMACs", flush=True)
        extra = {"official onnx": ort_step(OFFICIAL, ratio)}
        rows += bench_resolution(net, frames, ratio, args.rounds, extra, calibration)
    print(f"load average after: {os.getloadavg()[0]:.1f}")
    print(format_table(rows, baseline="official onnx"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
