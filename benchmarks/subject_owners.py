"""Re-score the subject tracker on the crossing set from the network's alphas kept on disk.

    python benchmarks/subject_owners.py --set /tmp/subject-set --cache /tmp/subject-cache
    python benchmarks/subject_owners.py --set /tmp/subject-set --cache /tmp/subject-cache \\
        --variant colour_sigma=1.5 colour_check=None --variant owners=none

The first run builds the set when ``--set`` holds no manifest (as ``videomatte evaluate
--make-subject-set`` does, seed 16), then mattes each clip's composite and each person alone once with
the authors' ONNX model on one intra-op thread and keeps the alphas in ``--cache`` (one ``.npz`` per
clip). Every later run only runs the tracker: for each ``--variant`` (``name=value`` pairs of
:class:`~videomatte.subject.tracks.TrackerSettings`; none: the defaults) it prints MAD and leak (x1e3)
per person and their mean, the ratio to the network on each person alone, lost and swapped frames, and
the tracker's CPU milliseconds per frame (``time.thread_time``, one thread).

    python benchmarks/subject_owners.py --set S --cache C --cost ../shared/data/clips/group_1920x1080.mp4 \\
        --variant --variant carry=None refresh_front=False

times the network and each variant's tracker on a real clip instead (``--subject``, ``--cost-frames``).
"""
from __future__ import annotations

import argparse
import ast
import json
import os
import sys
import time
from pathlib import Path

import numpy as np
import torch

from videomatte.evaluation import media
from videomatte.evaluation.subject_score import frame_scores, select
from videomatte.subject.tracks import TrackerSettings


def _frames(folder: Path, gray: bool) -> np.ndarray:
    read = media.read_gray if gray else media.read_rgb
    return np.stack([read(p) for p in media.list_frames(folder)])


def _one_thread_predictor(weights: Path):
    from videomatte.evaluation.predictors import OnnxRVMPredictor
    from videomatte.export.runner import OnnxRunner

    predictor = OnnxRVMPredictor(weights)
    predictor._runner = OnnxRunner(weights, quiet=True, threads=1)
    return predictor


def _matte(predictor, frames: np.ndarray) -> np.ndarray:
    predictor.reset()
    return np.concatenate([predictor.step(frame[None])[0] for frame in frames])


def build_cache(root: Path, cache: Path, weights: Path, clips: Path, images: Path) -> None:
    """The set (when missing) and, per clip, ``cache/CLIP.npz``: composite frames, the network's alpha
    of the composite, each person's visible alpha and the network's MAD on each person alone."""
    if not (root / "manifest.json").is_file():
        from videomatte.evaluation import predictors
        from videomatte.evaluation.subject_set import build_subject_set

        original = predictors.OnnxRVMPredictor.__init__

        def one_thread(self, path, ratio=None):
            original(self, path, ratio)
            from videomatte.export.runner import OnnxRunner
            self._runner = OnnxRunner(path, quiet=True, threads=1)

        predictors.OnnxRVMPredictor.__init__ = one_thread
        build_subject_set(root, clips, images, weights, progress=lambda m: print(m, file=sys.stderr))
        predictors.OnnxRVMPredictor.__init__ = original
    cache.mkdir(parents=True, exist_ok=True)
    manifest = json.loads((root / "manifest.json").read_text())
    predictor = _one_thread_predictor(weights)
    for record in manifest["clips"]:
        target = cache / f"{record['clip']}.npz"
        if target.is_file():
            continue
        clip = root / record["clip"]
        frames = _frames(clip / "com", gray=False)
        data = {"frames": frames, "alpha": _matte(predictor, frames).astype(np.float32)}
        for person in ("a", "b"):
            data[f"pha_{person}"] = (_frames(clip / f"pha_{person}", gray=True) / 255.0).astype(np.float32)
            alone = _matte(predictor, _frames(clip / f"solo_{person}", gray=False))
            full = _frames(clip / f"full_{person}", gray=True) / 255.0
            data[f"alone_{person}"] = np.abs(alone - full).mean(axis=(1, 2)) * 1e3
        np.savez(target, **data)
        print(f"cached {target}", file=sys.stderr)


def parse_variant(pairs: list[str]) -> TrackerSettings:
    values = {}
    for pair in pairs:
        name, text = pair.split("=", 1)
        try:
            values[name] = ast.literal_eval(text)
        except ValueError:
            values[name] = text
    return TrackerSettings(**values)


def score(root: Path, cache: Path, settings: TrackerSettings) -> dict:
    """Per person and mean: mad, leak, lost, swapped, alone; and the tracker's ms per frame."""
    manifest = json.loads((root / "manifest.json").read_text())
    rows, seconds, count = [], 0.0, 0
    for record in manifest["clips"]:
        data = np.load(cache / f"{record['clip']}.npz")
        for person, other in (("a", "b"), ("b", "a")):
            start = time.thread_time()
            selected, _ = select(data["alpha"], tuple(record["points"][person]), settings, data["frames"])
            seconds += time.thread_time() - start
            count += len(selected)
            s = frame_scores(selected, data[f"pha_{person}"], data[f"pha_{other}"])
            apart = ~np.asarray(record["overlap"], bool)
            rows.append({"clip": record["clip"], "person": person, **{k: float(v.mean()) for k, v in s.items()},
                         "mad_apart": float(s["mad"][apart].mean()),
                         "alone": float(data[f"alone_{person}"].mean()), "per_frame_mad": s["mad"]})
    mean = {k: float(np.mean([r[k] for r in rows])) for k in ("mad", "leak", "lost", "swapped", "alone", "mad_apart")}
    mean["leak_max"] = max(r["leak"] for r in rows)
    mean["ratio"] = mean["mad"] / mean["alone"]
    mean["ms"] = seconds * 1e3 / count
    return {"rows": rows, "mean": mean}


def cost(clip: Path, weights: Path, subject: str, frames: int, variants: list[list[str]]) -> None:
    """CPU milliseconds per frame (one thread, ``time.thread_time``) of the network (the authors' ONNX
    model) and of a tracker per variant on a real clip, each tracker timed right after the network's
    step on the same frame; medians over the frames."""
    from subject_boundary import tracked_frames

    from videomatte.export.runner import OnnxRunner
    from videomatte.subject.prompt import SubjectPrompt
    from videomatte.subject.tracker import SubjectTracker

    network = OnnxRunner(weights, quiet=True, threads=1)
    prompt = SubjectPrompt.from_cli(subject)
    trackers = {" ".join(v) or "defaults": SubjectTracker(prompt, parse_variant(v)) for v in variants}
    times = {"network": [], **{name: [] for name in trackers}}
    for _ in tracked_frames(clip, network, trackers, times, frames - 1):
        pass
    network_ms = 1e3 * float(np.median(times["network"]))
    for name, values in times.items():
        ms = 1e3 * float(np.median(values))
        print(f"{clip.name} {name}: {ms:.1f} ms per frame ({100 * ms / network_ms:.0f} % of the network)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--set", type=Path, required=True)
    parser.add_argument("--cache", type=Path, required=True)
    parser.add_argument("--clips", type=Path, default=Path("../shared/data/clips"))
    parser.add_argument("--images", type=Path, default=Path("../shared/data/images"))
    parser.add_argument("--weights", type=Path, default=Path("../shared/data/weights/rvm_mobilenetv3_fp32.onnx"))
    parser.add_argument("--variant", nargs="*", action="append", metavar="NAME=VALUE",
                        help="TrackerSettings fields; repeat for several variants (none: the defaults)")
    parser.add_argument("--frames", action="store_true", help="print the ten worst frames' MAD per person")
    parser.add_argument("--cost", type=Path, metavar="CLIP",
                        help="instead: time the network and each variant's tracker on this clip")
    parser.add_argument("--subject", default="0.54,0.55", help="--cost: who to keep")
    parser.add_argument("--cost-frames", type=int, default=40, help="--cost: frames to time")
    args = parser.parse_args()
    torch.set_num_threads(1)
    if args.cost:
        cost(args.cost, args.weights, args.subject, args.cost_frames, args.variant or [[]])
        return 0
    build_cache(args.set, args.cache, args.weights, args.clips, args.images)
    for pairs in args.variant or [[]]:
        result = score(args.set, args.cache, parse_variant(pairs))
        m = result["mean"]
        people = " ".join(f"{r['mad']:.2f}" for r in result["rows"])
        leaks = " ".join(f"{r['leak']:.2f}" for r in result["rows"])
        print(f"{' '.join(pairs) or 'defaults'}: MAD {m['mad']:.4f} ({m['ratio']:.4f}x alone {m['alone']:.4f}) "
              f"apart {m['mad_apart']:.3f} leak mean {m['leak']:.2f} max {m['leak_max']:.2f} lost {m['lost']:.3f} swapped "
              f"{m['swapped']:.3f} | {m['ms']:.1f} ms/frame | MAD {people} | leak {leaks}")
        if args.frames:
            for r in result["rows"]:
                worst = np.argsort(r["per_frame_mad"])[::-1][:10]
                print(f"  {r['clip']} {r['person']}: " + " ".join(f"{i}:{r['per_frame_mad'][i]:.1f}" for i in worst))
    print(f"load average {os.getloadavg()[0]:.1f}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
