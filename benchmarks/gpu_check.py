"""One GPU check, for a machine with an NVIDIA GPU: parity, fp16, onnxruntime's CUDA/TensorRT providers,
throughput at HD and 4K, and an end-to-end conversion. Where no GPU is present it says so and exits 0.

    python benchmarks/gpu_check.py                  # a few minutes; prints Markdown tables
"""
from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import numpy as np

SHARED = Path(__file__).resolve().parents[1] / ".." / "shared" / "data"
OFFICIAL = SHARED / "weights" / "rvm_mobilenetv3_fp32.onnx"
CLIP = SHARED / "clips" / "group_1920x1080.mp4"


def mattes(session, frames) -> list[np.ndarray]:  # noqa: ANN001
    session.reset()
    return [session.step(f).pha.float().cpu().numpy() for f in frames]


def fps(session, frame, count: int = 40) -> float:  # noqa: ANN001
    import torch

    session.reset()
    for _ in range(5):
        session.step(frame)
    torch.cuda.synchronize()
    start = time.perf_counter()
    for _ in range(count):
        session.step(frame)
    torch.cuda.synchronize()
    return count / (time.perf_counter() - start)


def main() -> int:
    import onnxruntime as ort
    import torch

    if not torch.cuda.is_available():
        print("no NVIDIA GPU visible to PyTorch here: nothing to check (run this where one is)")
        return 0
    from videomatte.export.quantize import load_frames
    from videomatte.inference.session import MattingSession
    from videomatte.models.weights.zoo import load_model

    print(f"GPU: {torch.cuda.get_device_name()}; onnxruntime providers: {ort.get_available_providers()}")
    frames = list(torch.from_numpy(load_frames(CLIP, 1080, 1920, count=8, stride=5)))
    make = lambda **kw: MattingSession(load_model("mobilenetv3", str(OFFICIAL)), downsample_ratio=0.25, **kw)  # noqa: E731
    cpu = mattes(make(device="cpu", backend="torch"), frames)
    print("| check | mean abs Δα | max abs Δα |\n|---|---|---|")
    sessions = {"cuda fp32 (torch)": make(device="cuda", backend="torch"),
                "cuda fp16 (torch)": make(device="cuda", dtype="float16", backend="torch")}
    if "CUDAExecutionProvider" in ort.get_available_providers():
        sessions["cuda fp32 (onnxruntime: TensorRT/CUDA providers)"] = make(device="cuda", backend="onnxruntime")
    for name, session in sessions.items():
        diff = [np.abs(a - b) for a, b in zip(mattes(session, [f.cuda() for f in frames]), cpu)]
        print(f"| {name} vs CPU fp32 | {np.mean([d.mean() for d in diff]):.1e} | {max(d.max() for d in diff):.1e} |")
    print("\n| size | ratio | runtime | fps (network only) |\n|---|---|---|---|")
    for (height, width), ratio in (((1080, 1920), 0.25), ((2160, 3840), 0.125)):
        frame = torch.rand(3, height, width, device="cuda")
        for name, session in sessions.items():
            session.fixed_ratio = ratio
            print(f"| {width}x{height} | {ratio:g} | {name} | {fps(session, frame.to(session.dtype)):.1f} |")
    return convert_check()


def convert_check() -> int:
    import videomatte

    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        result = videomatte.convert(str(CLIP), output=f"{tmp}/out.mp4", alpha=f"{tmp}/alpha.mp4", device="cuda",
                                    dtype="float16", weights=str(OFFICIAL), progress=False)[0]
        seconds = time.perf_counter() - start
    print(f"\nend to end: {result.frames} frames of {CLIP.name} in {seconds:.1f} s = {result.frames / seconds:.1f} fps "
          f"(H.264 composite + alpha, backend {result.backend}, device cuda fp16)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
