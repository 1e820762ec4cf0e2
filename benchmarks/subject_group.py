"""Pick each person of a group clip in turn: three alpha videos from one pass of the network, the
selection's time per frame against the network's, and chosen frames as PNG.

    python benchmarks/subject_group.py --out /tmp/group --frames 50 \\
        --subject left=0.23,0.55 --subject middle=0.54,0.55 --subject right=0.84,0.6

Writes OUT/NAME.mp4 (the kept alpha, gray H.264) and OUT/NAME_FFFF.png for every --frames index.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import av
import numpy as np
import torch
from PIL import Image

from videomatte.evaluation.predictors import OnnxRVMPredictor
from videomatte.subject.tracker import SubjectTracker
from videomatte.subject.prompt import SubjectPrompt


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clip", type=Path, default=Path("../shared/data/clips/group_1920x1080.mp4"))
    parser.add_argument("--weights", type=Path, default=Path("../shared/data/weights/rvm_mobilenetv3_fp32.onnx"))
    parser.add_argument("--subject", action="append", required=True, metavar="NAME=X,Y")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--frames", type=int, nargs="*", default=[50], help="frames to save as PNG")
    parser.add_argument("--no-colour", action="store_true", help="split merged people by position alone")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    torch.set_num_threads(1)
    trackers = {}
    for item in args.subject:
        name, point = item.split("=", 1)
        trackers[name] = SubjectTracker(SubjectPrompt.from_cli(point))
    predictor = OnnxRVMPredictor(args.weights)
    network_s, subject_s, count = 0.0, {n: 0.0 for n in trackers}, 0
    with av.open(str(args.clip)) as source:
        rate = source.streams.video[0].average_rate
        outputs = {n: av.open(str(args.out / f"{n}.mp4"), "w") for n in trackers}
        streams = {}
        for n, container in outputs.items():
            streams[n] = container.add_stream("libx264", rate=rate, options={"crf": "16"})
        for index, frame in enumerate(source.decode(video=0)):
            rgb = frame.to_ndarray(format="rgb24")
            start = time.perf_counter()
            alpha = predictor.step(rgb[None])[0]
            network_s += time.perf_counter() - start
            src = None if args.no_colour else torch.from_numpy(rgb).permute(2, 0, 1)[None].float() / 255
            for name, tracker in trackers.items():
                start = time.perf_counter()  # the session has the frame as a float tensor already
                kept = tracker.apply(torch.from_numpy(alpha)[:, None], src)[0, 0].numpy()
                subject_s[name] += time.perf_counter() - start
                gray = np.floor(kept * 255 + 0.5).astype(np.uint8)
                stream = streams[name]
                if index == 0:
                    stream.width, stream.height = gray.shape[1], gray.shape[0]
                picture = av.VideoFrame.from_ndarray(np.repeat(gray[..., None], 3, axis=2), format="rgb24")
                for packet in stream.encode(picture.reformat(format="yuv420p")):
                    outputs[name].mux(packet)
                if index in args.frames:
                    Image.fromarray(gray).save(args.out / f"{name}_{index:04d}.png")
            count += 1
        for name, container in outputs.items():
            for packet in streams[name].encode(None):
                container.mux(packet)
            container.close()
    print(f"{count} frames; network {network_s / count * 1e3:.0f} ms/frame; selection " +
          ", ".join(f"{n} {s / count * 1e3:.1f} ms ({s / network_s * 100:.1f} %)" for n, s in subject_s.items()) +
          f"; load average {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
