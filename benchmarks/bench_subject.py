"""Subject selection on the seeded two-person set: MAD, leak, lost/swapped frames, and its cost.

    python benchmarks/bench_subject.py --set /tmp/subject-set \\
        --clips ../shared/data/clips --images ../shared/data/images \\
        --weights ../shared/data/weights/rvm_mobilenetv3_fp32.onnx

Builds the set first when ``--set`` holds no manifest (``videomatte evaluate --make-subject-set`` does
the same), then prints one markdown row per clip and person and the mean, and writes ``--json``.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from videomatte.evaluation.subject_score import overall, score_subject_set
from videomatte.evaluation.subject_set import build_subject_set

COLUMNS = ("mad", "alone_mad", "raw_mad", "leak", "lost", "swapped", "mad_apart", "leak_apart", "lost_apart",
           "swapped_apart", "subject_ms", "network_ms")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--set", type=Path, required=True)
    parser.add_argument("--clips", type=Path, default=Path("../shared/data/clips"))
    parser.add_argument("--images", type=Path, default=Path("../shared/data/images"))
    parser.add_argument("--weights", type=Path, default=Path("../shared/data/weights/rvm_mobilenetv3_fp32.onnx"))
    parser.add_argument("--json", type=Path)
    parser.add_argument("--only", nargs="+", metavar="CLIP", help="score these clips only, in this order")
    args = parser.parse_args()
    say = lambda message: print(message, file=sys.stderr)  # noqa: E731
    if not (args.set / "manifest.json").is_file():
        build_subject_set(args.set, args.clips, args.images, args.weights, progress=say)
    rows = score_subject_set(args.set, args.weights, progress=say, clips=args.only)
    mean = {"clip": "mean", "person": "", **overall(rows)}
    print("| clip | person | " + " | ".join(COLUMNS) + " |")
    print("|---|---|" + "---|" * len(COLUMNS))
    for row in [*rows, mean]:
        print(f"| {row['clip']} | {row['person']} | " + " | ".join(f"{row[c]:.2f}" for c in COLUMNS) + " |")
    print(f"load average {os.getloadavg()[0]:.1f}", file=sys.stderr)
    if args.json:
        args.json.write_text(json.dumps({"rows": rows, "mean": mean}, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
