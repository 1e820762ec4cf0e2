"""Parameters, GMACs and CPU frames per second of every registered variant (RVM and the seed options).

GMACs count the multiply-accumulates of every convolution (elementwise work and resizing are left out)
for one frame. Frames per second are timed on the CPU over frame-by-frame calls with the state carried.

    python benchmarks/bench_variants.py --size 1280x720 --ratio 0.375 --frames 5 --threads 2
"""
from __future__ import annotations

import argparse
import time

import torch
from torch import nn

from videomatte.models.registry import available_models
from videomatte.models.registry import build_network


def conv_macs(model: nn.Module, src: torch.Tensor, ratio: float) -> int:
    """Multiply-accumulates of all ``Conv2d`` layers for one call on ``src`` ``[1, 3, H, W]``."""
    total = 0

    def hook(module: nn.Conv2d, _inputs: tuple, output: torch.Tensor) -> None:
        nonlocal total
        kh, kw = module.kernel_size
        total += output.numel() * (module.in_channels // module.groups) * kh * kw

    handles = [m.register_forward_hook(hook) for m in model.modules() if isinstance(m, nn.Conv2d)]
    with torch.no_grad():
        model(src, downsample_ratio=ratio)
    for handle in handles:
        handle.remove()
    return total


def frames_per_second(model: nn.Module, src: torch.Tensor, ratio: float, frames: int) -> float:
    """Frame-by-frame calls with the state carried; two untimed warm-up frames."""
    rec: list = [None] * 4
    with torch.inference_mode():
        for _ in range(2):
            _, _, *rec = model(src, *rec, downsample_ratio=ratio)
        start = time.perf_counter()
        for _ in range(frames):
            _, _, *rec = model(src, *rec, downsample_ratio=ratio)
    return frames / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", default="1280x720", help="WIDTHxHEIGHT of the input frames")
    parser.add_argument("--ratio", type=float, default=0.375, help="downsample ratio")
    parser.add_argument("--frames", type=int, default=5, help="timed frames per variant")
    parser.add_argument("--threads", type=int, default=2, help="torch CPU threads")
    parser.add_argument("--refiner", default="deep_guided_filter")
    parser.add_argument("--models", nargs="*", default=available_models(include_unreleased=True))
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    width, height = (int(v) for v in args.size.split("x"))
    src = torch.rand(1, 3, height, width)
    print(f"| variant | refiner | params | GMACs @ {width}x{height} s={args.ratio} | CPU fps ({args.threads} threads) |")
    print("|---|---|---:|---:|---:|")
    for name in args.models:
        torch.manual_seed(0)
        model = build_network(name, args.refiner).eval()
        params = sum(p.numel() for p in model.parameters())
        macs = conv_macs(model, src, args.ratio) / 1e9
        fps = frames_per_second(model, src, args.ratio, args.frames)
        print(f"| {name} | {args.refiner} | {params:,} | {macs:.2f} | {fps:.2f} |", flush=True)


if __name__ == "__main__":
    main()
