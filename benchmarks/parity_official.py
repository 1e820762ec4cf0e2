"""Print how far this network is from the authors' ONNX export, on the real clips, as a Markdown table.

    python benchmarks/parity_official.py [--frames 40] [--data ../shared/data] [--device cpu]
"""
from __future__ import annotations

import argparse
from itertools import islice
from pathlib import Path

import av

from videomatte.export.checks import compare_with_onnx
from videomatte.models.weights.zoo import load_model

CLIPS = {"person_short_360x640.mp4": (0.25, 0.4, 1.0), "person_walk_360x640.mp4": (0.25, 0.4, 1.0),
         "group_1920x1080.mp4": (0.25, 0.4, 1.0)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--frames", type=int, default=40)
    parser.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[1].parent / "shared" / "data")
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()
    onnx_path = args.data / "weights" / "rvm_mobilenetv3_fp32.onnx"
    model = load_model("mobilenetv3", onnx_path, device=args.device)
    print(f"| clip | ratio | frames | mean abs diff | max abs diff |\n|---|---|---|---|---|")
    for clip, ratios in CLIPS.items():
        with av.open(str(args.data / "clips" / clip)) as container:
            frames = [f.to_ndarray(format="rgb24") for f in islice(container.decode(video=0), args.frames)]
        for ratio in ratios:
            d = compare_with_onnx(model, onnx_path, frames, ratio)
            print(f"| {clip} | {ratio} | {d.frames} | {d.mean_abs:.2e} | {d.max_abs:.2e} |", flush=True)


if __name__ == "__main__":
    main()
