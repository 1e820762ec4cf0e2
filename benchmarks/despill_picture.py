"""The picture of docs/quality.md: a soft edge over a new background, before and after ``--despill``.

    PYTHONPATH=src python benchmarks/despill_picture.py --out docs/despill_hair.png

A real clip's person (alpha from the authors' ONNX model, foreground carried out of the solid interior)
is composited over green; the model mattes that composite; the crop shows the recomposite over a new
background with the model's foreground (left), with the despilled one (middle), and the truth (right).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageDraw

from videomatte.evaluation.edge_colour import SATURATED, carry_foreground, composite
from videomatte.export.runner import OnnxRunner
from videomatte.finishing.despill import despill
from videomatte.io.readers import open_reader
from videomatte.models.registry import auto_downsample_ratio

NEW_BACKGROUND = (0.93, 0.93, 0.9)  # a light wall: a green rim shows on it as it would in a video call


def _frames(path: Path, count: int) -> list[np.ndarray]:
    with open_reader(path) as reader:
        return [f.image.astype(np.float32) / 255 for _, f in zip(range(count), reader)]


def _matte(runner: OnnxRunner, frames: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    runner.reset()
    ratio = auto_downsample_ratio(*frames[0].shape[:2])
    for frame in frames:
        fgr, pha = runner.step(frame.transpose(2, 0, 1)[None], ratio)
    return fgr[0].transpose(1, 2, 0), pha[0, 0]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clip", type=Path, default=Path("../shared/data/clips/person_short_360x640.mp4"))
    parser.add_argument("--weights", type=Path, default=Path("../shared/data/weights/rvm_mobilenetv3_fp32.onnx"))
    parser.add_argument("--frames", type=int, default=12)
    parser.add_argument("--crop", default="40,60,150,150", help="X,Y,W,H of the crop (pixels)")
    parser.add_argument("--zoom", type=int, default=3)
    parser.add_argument("--out", type=Path, default=Path("docs/despill_hair.png"))
    args = parser.parse_args()
    runner = OnnxRunner(args.weights, threads=1)
    frames = _frames(args.clip, args.frames)
    alphas = [_matte(runner, frames[: i + 1])[1] for i in range(len(frames))]  # the state carried, as in the set
    truth, true_alpha = carry_foreground(frames[-1], alphas[-1]), alphas[-1]
    over_green = [composite(carry_foreground(f, a), a, SATURATED["green"]) for f, a in zip(frames, alphas)]
    fgr, pha = _matte(runner, over_green)
    tensor = lambda x: torch.from_numpy(np.ascontiguousarray(np.atleast_3d(x).transpose(2, 0, 1)))[None]  # noqa: E731
    clean = despill(tensor(over_green[-1]), tensor(fgr), tensor(pha))[0].permute(1, 2, 0).numpy()
    x, y, w, h = (int(v) for v in args.crop.split(","))
    panels = [composite(f, a, NEW_BACKGROUND)[y:y + h, x:x + w]
              for f, a in ((fgr, pha), (clean, pha), (truth, true_alpha))]
    _save(panels, ["network's foreground", "--despill", "truth"], args.zoom, args.out)
    print(f"wrote {args.out}")
    return 0


def _save(panels: list[np.ndarray], titles: list[str], zoom: int, out: Path) -> None:
    gap, label = 6, 18
    h, w = panels[0].shape[:2]
    sheet = Image.new("RGB", (len(panels) * (w * zoom + gap) - gap, h * zoom + label), (255, 255, 255))
    draw = ImageDraw.Draw(sheet)
    for i, (panel, title) in enumerate(zip(panels, titles)):
        picture = Image.fromarray((np.clip(panel, 0, 1) * 255).round().astype(np.uint8))
        left = i * (w * zoom + gap)
        sheet.paste(picture.resize((w * zoom, h * zoom), Image.NEAREST), (left, label))
        draw.text((left + 4, 3), title, fill=(0, 0, 0))
    out.parent.mkdir(parents=True, exist_ok=True)
    sheet.save(out)


if __name__ == "__main__":
    sys.exit(main())
