"""Where bf16 hurts the matte: the static graph cut after a set of modules (``export.split``), each part
compiled by OpenVINO in its own precision, against the float32 graph in onnxruntime on real frames.

Rows: the whole graph in fp32 and in bf16; the head (the named modules and what they need) in fp32 and
the rest in bf16, for growing heads; and the converse (backbone in bf16, the rest fp32). Mean |Δα| over
8 frames of a real clip with the state carried, and the CPU ms per frame of the calling thread (one
OpenVINO thread: the work runs on the caller's thread).

    python benchmarks/bf16_sensitivity.py            # 512x288 ratio 1 and 1920x1080 ratio 0.25
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

SHARED = Path(__file__).resolve().parents[1] / ".." / "shared" / "data"
OFFICIAL = SHARED / "weights" / "rvm_mobilenetv3_fp32.onnx"
CASES = [((288, 512), 1.0, "clips/person_short_360x640.mp4"), ((1080, 1920), 0.25, "clips/group_1920x1080.mp4")]
STEM = ["/backbone/features.%d/" % i for i in range(17)]
# (label, head prefixes or None for the whole graph, head precision, tail precision)
CONFIGS = [("whole fp32", None, "f32", "f32"), ("whole bf16", None, "bf16", "bf16"),
           ("features.0 fp32, rest bf16", tuple(STEM[:1]), "f32", "bf16"),
           ("features.0-3 fp32, rest bf16", tuple(STEM[:4]), "f32", "bf16"),
           ("features.0-6 fp32, rest bf16", tuple(STEM[:7]), "f32", "bf16"),
           ("backbone fp32, rest bf16 (mixed)", ("/backbone/",), "f32", "bf16"),
           ("backbone+aspp fp32, rest bf16", ("/backbone/", "/aspp/"), "f32", "bf16"),
           ("backbone bf16, rest fp32", ("/backbone/",), "bf16", "f32")]


def chain(graph: bytes, head, head_precision: str, tail_precision: str):  # noqa: ANN001, ANN201
    """``step(feed) -> outputs``: the parts compiled in their precisions, run one after the other."""
    from videomatte.export.split import split_graph
    from videomatte.inference.openvino_parts import CompiledPart

    if head is None:
        parts = [CompiledPart(graph, head_precision, 1)]
    else:
        cut = split_graph(graph, head)
        parts = [CompiledPart(cut.head, head_precision, 1), CompiledPart(cut.tail, tail_precision, 1)]

    def step(feed: dict) -> dict:
        for part in parts:
            feed.update(part.run(feed))
        return feed

    return step


def run_case(net, size, ratio, clip) -> list[str]:  # noqa: ANN001
    from videomatte.export.quantize import load_frames
    from videomatte.export.runner import OnnxRunner
    from videomatte.inference.tuning import static_graph

    height, width = size
    frames = load_frames(SHARED / clip, height, width, count=8, stride=4)
    graph = static_graph(net, height, width, ratio)
    reference = OnnxRunner(graph, threads=1)
    expected = [reference.step(f[None])[1] for f in frames]
    lines = []
    for label, head, head_precision, tail_precision in CONFIGS:
        step = chain(graph, head, head_precision, tail_precision)
        states = {name: np.zeros_like(s) for name, s in zip(reference.state_names, reference._initial)}
        dpha, times = [], []
        for frame, want in zip(frames, expected):
            start = time.thread_time()
            out = step({"src": np.ascontiguousarray(frame[None]), **states})
            times.append(time.thread_time() - start)
            states = {f"r{k}i": out[f"r{k}o"] for k in range(1, 5)}
            dpha.append(np.abs(out["pha"] - want).mean())
        lines.append(f"| {width}x{height} | {ratio:g} | {label} | {np.mean(dpha):.1e} | {1000 * np.median(times[2:]):.1f} |")
        print(lines[-1], flush=True)
    return lines


def main() -> int:
    if not OFFICIAL.is_file():
        print(f"needs the official ONNX at {OFFICIAL}", file=sys.stderr)
        return 2
    import os

    from videomatte.inference.cpu_info import cpu_signature
    from videomatte.models.weights.zoo import load_model

    net = load_model("mobilenetv3", weights=str(OFFICIAL))
    print(f"CPU: {cpu_signature()}; load average before: {os.getloadavg()[0]:.1f}")
    lines = ["| resolution | ratio | precision per part | mean abs Δα | CPU ms/frame |", "|---|---|---|---|---|"]
    for size, ratio, clip in CASES:
        lines += run_case(net, size, ratio, clip)
    print(f"load average after: {os.getloadavg()[0]:.1f}")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
