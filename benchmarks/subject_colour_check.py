"""How the tracker's colour vote pools its evidence, on a real clip: pictures of the contact edges and
how far each choice moves the kept alpha from the old default.

    python benchmarks/subject_colour_check.py --subject 0.54,0.55 --frames 84 99 \\
        --crop 700,640,900,1000 --last 99 --out /tmp/colour_check

One pass of the network (the authors' ONNX model, one intra-op thread) over the clip; three trackers
follow the same person: the colour likelihoods pooled over 1.5 working pixels (the default before
2026-12-07), over 0.5, and over 0.5 checked by 1.5 (a pixel is decided by colour only where both
agree; the default now). For every ``--frames`` index and ``--crop`` box it writes
OUT/crop_FFFF_N.png: the frame, then each tracker's kept person over green, side by side; it prints
each tracker's mean ``|alpha - alpha(1.5)|`` per frame (x 1e3).

With ``--variant NAME=VALUE ...`` (repeatable; fields of ``TrackerSettings``) the trackers are instead
the defaults and each variant, and the distances are taken from the defaults.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import av
import numpy as np
import torch

from subject_boundary import crops
from videomatte.export.runner import OnnxRunner
from videomatte.models.registry import auto_downsample_ratio
from videomatte.subject.prompt import SubjectPrompt
from videomatte.subject.tracker import SubjectTracker
from videomatte.subject.tracks import TrackerSettings

SETTINGS = {"1.5": TrackerSettings(colour_sigma=1.5, colour_check=None),
            "0.5": TrackerSettings(colour_sigma=0.5, colour_check=None),
            "0.5 checked by 1.5": TrackerSettings()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clip", type=Path, default=Path("../shared/data/clips/group_1920x1080.mp4"))
    parser.add_argument("--weights", type=Path, default=Path("../shared/data/weights/rvm_mobilenetv3_fp32.onnx"))
    parser.add_argument("--subject", default="0.54,0.55")
    parser.add_argument("--frames", type=int, nargs="*", default=[84, 99], help="frames to picture")
    parser.add_argument("--crop", action="append", default=[], metavar="X0,Y0,X1,Y1")
    parser.add_argument("--last", type=int, default=None, help="stop after this frame")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--variant", nargs="+", action="append", metavar="NAME=VALUE",
                        help="compare the defaults with these TrackerSettings fields (repeatable)")
    args = parser.parse_args()
    settings = SETTINGS
    if args.variant:
        from subject_owners import parse_variant
        settings = {"defaults": TrackerSettings(), **{" ".join(v): parse_variant(v) for v in args.variant}}
    reference = next(iter(settings))
    args.out.mkdir(parents=True, exist_ok=True)
    torch.set_num_threads(1)
    network = OnnxRunner(args.weights, quiet=True, threads=1)
    prompt = SubjectPrompt.from_cli(args.subject)
    trackers = {name: SubjectTracker(prompt, value) for name, value in settings.items()}
    moved = {name: [] for name in trackers}
    with av.open(str(args.clip)) as source:
        for index, frame in enumerate(source.decode(video=0)):
            rgb = frame.to_ndarray(format="rgb24")
            _, alpha = network.step((rgb.astype(np.float32) / 255).transpose(2, 0, 1)[None],
                                    auto_downsample_ratio(*rgb.shape[:2]))
            src = torch.from_numpy(rgb).permute(2, 0, 1)[None].float() / 255
            kept = {name: t.apply(torch.from_numpy(alpha), src)[0, 0].numpy() for name, t in trackers.items()}
            for name in trackers:
                moved[name].append(1e3 * float(np.abs(kept[name] - kept[reference]).mean()))
            if index in args.frames:
                for number, box in enumerate(args.crop):
                    crops(rgb, kept, tuple(int(v) for v in box.split(",")), 1).save(
                        args.out / f"crop_{index:04d}_{number}.png")
            if args.last is not None and index >= args.last:
                break
    for name, values in moved.items():
        print(f"{name}: mean |alpha - alpha({reference})| x1e3 per frame: mean {np.mean(values):.2f}, "
              f"largest {np.max(values):.2f} (frame {int(np.argmax(values))})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
