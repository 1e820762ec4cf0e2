"""The subject's contact edges at full resolution on a real clip: pictures before and after, and the cost.

    python benchmarks/subject_boundary.py --subject 0.54,0.55 --frames 50 \\
        --crop 1290,640,1490,1000 --out /tmp/boundary

One pass of the network (the authors' ONNX model, one intra-op thread) over the clip; two trackers
follow the same person, one cutting at the working resolution (``TrackerSettings(boundary=None)``,
the cut before) and one deciding the contact edges again at the frame's resolution (the default).
Every frame, each is timed in CPU seconds of this thread (``time.thread_time``), right after the
network's own step on that frame, so the ratios hold on a loaded machine. For every ``--frames``
index and ``--crop`` box it writes OUT/crop_FFFF_N.png: the frame, before, after (both composited
over green, so what is kept shows), side by side, enlarged ``--zoom`` times.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Iterator

import av
import numpy as np
import torch
from PIL import Image

from videomatte.export.runner import OnnxRunner
from videomatte.subject.tracker import SubjectTracker
from videomatte.subject.prompt import SubjectPrompt
from videomatte.subject.tracks import TrackerSettings
from videomatte.models.registry import auto_downsample_ratio

GREEN = np.array([40, 200, 60], np.float32)


def crops(rgb: np.ndarray, kept: dict[str, np.ndarray], box: tuple[int, int, int, int], zoom: int) -> Image.Image:
    """The frame, then each kept alpha's composite over green, inside ``box`` (x0, y0, x1, y1)."""
    x0, y0, x1, y1 = box
    tiles = [rgb[y0:y1, x0:x1]]
    for alpha in kept.values():
        a = alpha[y0:y1, x0:x1, None]
        tiles.append((rgb[y0:y1, x0:x1] * a + GREEN * (1 - a)).astype(np.uint8))
    gap = np.full((y1 - y0, 4, 3), 255, np.uint8)
    picture = np.concatenate([t for tile in tiles for t in (tile, gap)][:-1], axis=1)
    image = Image.fromarray(picture)
    return image.resize((image.width * zoom, image.height * zoom), Image.NEAREST)


def tracked_frames(clip: Path, network: OnnxRunner, trackers: dict, cost: dict[str, list[float]],
                   last: int | None = None) -> Iterator[tuple[int, np.ndarray, dict[str, np.ndarray]]]:
    """Each frame of ``clip`` (up to frame ``last``): its number, its ``uint8 [H, W, 3]`` picture and
    every tracker's kept alpha ``[H, W]``, the network (one intra-op thread) run first; the CPU seconds of
    this thread for the network and each tracker appended to ``cost[name]`` (``cost["network"]`` too)."""
    with av.open(str(clip)) as source:
        for index, frame in enumerate(source.decode(video=0)):
            rgb = frame.to_ndarray(format="rgb24")
            start = time.thread_time()
            _, alpha = network.step((rgb.astype(np.float32) / 255).transpose(2, 0, 1)[None],
                                    auto_downsample_ratio(*rgb.shape[:2]))
            cost["network"].append(time.thread_time() - start)
            src = torch.from_numpy(rgb).permute(2, 0, 1)[None].float() / 255
            kept = {}
            for name, tracker in trackers.items():
                start = time.thread_time()
                kept[name] = tracker.apply(torch.from_numpy(alpha), src)[0, 0].numpy()
                cost[name].append(time.thread_time() - start)
            yield index, rgb, kept
            if last is not None and index >= last:
                return


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clip", type=Path, default=Path("../shared/data/clips/group_1920x1080.mp4"))
    parser.add_argument("--weights", type=Path, default=Path("../shared/data/weights/rvm_mobilenetv3_fp32.onnx"))
    parser.add_argument("--subject", default="0.54,0.55")
    parser.add_argument("--frames", type=int, nargs="*", default=[50], help="frames to picture")
    parser.add_argument("--crop", action="append", default=[], metavar="X0,Y0,X1,Y1")
    parser.add_argument("--zoom", type=int, default=1)
    parser.add_argument("--last", type=int, default=None, help="stop after this frame")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    torch.set_num_threads(1)
    network = OnnxRunner(args.weights, quiet=True, threads=1)  # one intra-op thread: timed in this thread
    prompt = SubjectPrompt.from_cli(args.subject)
    trackers = {"before": SubjectTracker(prompt, TrackerSettings(boundary=None)), "after": SubjectTracker(prompt)}
    cost = {"network": [], **{name: [] for name in trackers}}
    load = os.getloadavg()[0]
    for index, rgb, kept in tracked_frames(args.clip, network, trackers, cost, args.last):
        if index in args.frames:
            for number, box in enumerate(args.crop):
                crops(rgb, kept, tuple(int(v) for v in box.split(",")), args.zoom).save(
                    args.out / f"crop_{index:04d}_{number}.png")
    ms = {name: 1e3 * float(np.median(values)) for name, values in cost.items()}
    extra = 1e3 * float(np.median(np.subtract(cost["after"], cost["before"])))
    print(f"{len(cost['network'])} frames of {args.clip.name}, median CPU ms per frame of this thread: "
          f"network {ms['network']:.0f}, "
          f"selection {ms['before']:.1f} (working-resolution cut), {ms['after']:.1f} (full-resolution cut); "
          f"the full-resolution cut adds {extra:.1f} ms = {100 * extra / ms['network']:.1f} % of the network; "
          f"load average {load:.1f} before, {os.getloadavg()[0]:.1f} after")
    return 0


if __name__ == "__main__":
    sys.exit(main())
