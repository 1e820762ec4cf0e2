"""Edge colours (despill): foreground estimators on the edge-colour set, their errors and their cost.

    PYTHONPATH=src python benchmarks/bench_edge_colour.py --json /tmp/edge.json

The set (``videomatte.evaluation.edge_colour``): each clip's alpha from the authors' ONNX model, the
true foreground carried out of the solid interior, composited over saturated and ordinary colours and
a photograph; the model is run again on those composites, and each estimator gets the composite, the
model's alpha and foreground. Errors are taken in the band 0.1 < alpha < 0.9. Costs are one thread's
CPU seconds per frame (``time.thread_time``), in interleaved rounds with the model itself at 1080p.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np
import torch

from videomatte.evaluation.edge_colour import ORDINARY, SATURATED, carry_foreground, composite, edge_errors
from videomatte.export.runner import OnnxRunner
from videomatte.finishing.despill import despill
from videomatte.finishing.matte import finish_matte
from videomatte.finishing.settings import Finishing
from videomatte.io.readers import open_reader
from videomatte.models.registry import auto_downsample_ratio

# clip: (first frame, frames); person_short is the start of person_walk's footage, so the walk starts later
CLIPS = {"person_short_360x640.mp4": (0, 30), "person_walk_360x640.mp4": (200, 30),
         "group_1920x1080.mp4": (0, 14)}
EVERY, FIRST = 6, 5  # scored frames: FIRST, FIRST + EVERY, ... (the model's state warm by then)


def _tensor(picture: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(picture.transpose(2, 0, 1)))[None]


def _numpy(tensor: torch.Tensor) -> np.ndarray:
    return tensor[0].permute(1, 2, 0).numpy()


def network_fg(src, fgr, pha):  # noqa: ANN001, ANN201 - the estimators share one form
    return fgr


def input_fg(src, fgr, pha):  # noqa: ANN001, ANN201
    return src


def blur_fusion(src, fgr, pha):  # noqa: ANN001, ANN201
    return _numpy(despill(_tensor(src), _tensor(fgr), _tensor(pha[..., None])))


def pymatting_ml(src, fgr, pha):  # noqa: ANN001, ANN201
    from pymatting import estimate_foreground_ml

    return estimate_foreground_ml(src.astype(np.float64), pha.astype(np.float64)).astype(np.float32)


def pymatting_ml_band(src, fgr, pha):  # noqa: ANN001, ANN201
    """pymatting on the band's bounding box (plus a margin) only; solid pixels keep the network's."""
    soft = (pha > 1 / 255) & (pha < 1 - 1 / 255)
    if not soft.any():
        return fgr
    rows, cols = np.nonzero(soft.any(1))[0], np.nonzero(soft.any(0))[0]
    margin = 16
    box = (slice(max(0, rows[0] - margin), rows[-1] + margin + 1),
           slice(max(0, cols[0] - margin), cols[-1] + margin + 1))
    out = fgr.copy()
    estimate = pymatting_ml(src[box], None, pha[box])
    out[box] = np.where(soft[box][..., None], estimate, fgr[box])
    return out


FINISHING = {"levels 0.05,0.95": Finishing(levels=(0.05, 0.95)), "shrink 1.5": Finishing(shrink=1.5),
             "shrink -4": Finishing(shrink=-4), "feather 2": Finishing(feather=2), "feather 8": Finishing(feather=8),
             "all three": Finishing(levels=(0.05, 0.95), shrink=1.5, feather=2)}
ESTIMATORS = {"network": network_fg, "input": input_fg, "pymatting ML": pymatting_ml,
              "pymatting ML (band box)": pymatting_ml_band, "blur fusion (ours)": blur_fusion}


def _frames(path: Path, count: int, first: int = 0) -> list[np.ndarray]:
    with open_reader(path) as reader:
        frames = []
        for index, frame in enumerate(reader):
            if index >= first:
                frames.append(frame.image.astype(np.float32) / 255)
            if len(frames) == count:
                break
    return frames


def _matte(runner: OnnxRunner, frames: list[np.ndarray]) -> list[tuple[np.ndarray, np.ndarray]]:
    """The model's (foreground [H, W, 3], alpha [H, W]) of each frame, the state carried."""
    runner.reset()
    ratio = auto_downsample_ratio(*frames[0].shape[:2])
    out = []
    for frame in frames:
        fgr, pha = runner.step(frame.transpose(2, 0, 1)[None], ratio)
        out.append((fgr[0].transpose(1, 2, 0), pha[0, 0]))
    return out


def _backgrounds(shape: tuple[int, int], images: Path) -> dict[str, object]:
    from PIL import Image

    backgrounds: dict[str, object] = {**SATURATED, **ORDINARY}
    photo = images / "coffee.png"
    if photo.is_file():
        picture = Image.open(photo).convert("RGB").resize((shape[1], shape[0]), Image.BILINEAR)
        backgrounds["photo"] = np.asarray(picture, np.float32) / 255
    return backgrounds


def score_clip(runner: OnnxRunner, path: Path, count: int, images: Path, say, first: int = 0) -> dict:  # noqa: ANN001
    """Errors of every estimator on one clip: {background: {estimator: [fg, recomposite, pixels]}}; the
    true foreground's own recomposite error with the model's alpha (the alpha's share) as ``floor``."""
    frames = _frames(path, count, first)
    truth = [(carry_foreground(frame, pha), pha) for frame, (_, pha) in zip(frames, _matte(runner, frames))]
    scored = range(FIRST, len(frames), EVERY)
    table: dict = {}
    for name, background in _backgrounds(frames[0].shape[:2], images).items():
        pictures = [composite(fg, pha, background) for fg, pha in truth]
        mattes = _matte(runner, pictures)
        sums = {e: np.zeros(3) for e in (*ESTIMATORS, "floor")}
        for t in scored:
            floor = edge_errors(truth[t][0], mattes[t][1], *truth[t])
            sums["floor"] += np.array([0.0, floor.recomposite * floor.pixels, floor.pixels])
            for estimator, fn in ESTIMATORS.items():
                errors = edge_errors(fn(pictures[t], *mattes[t]), mattes[t][1], *truth[t])
                sums[estimator] += np.array([errors.foreground * errors.pixels, errors.recomposite * errors.pixels,
                                             errors.pixels])
        table[name] = {e: [s[0] / s[2], s[1] / s[2], s[2]] for e, s in sums.items()}
        say(f"{path.name} over {name}: " + ", ".join(f"{e} {v[0]:.3f}/{v[1]:.3f}" for e, v in table[name].items()))
    return table


def _thread_seconds(fn, *args) -> float:  # noqa: ANN001
    start = time.thread_time()
    fn(*args)
    return time.thread_time() - start


def time_costs(runner: OnnxRunner, clips: Path, rounds: int, say) -> dict:  # noqa: ANN001
    """Median per-frame thread seconds of each estimator at 360x640, 1080p and 4K, and of the model at
    1080p (ratio 0.25), in interleaved rounds."""
    small = _frames(clips / "person_short_360x640.mp4", 6)
    large = _frames(clips / "group_1920x1080.mp4", 6)
    cases = {"360x640": (small[-1], _matte(runner, small)[-1])}
    fgr, pha = _matte(runner, large)[-1]
    cases["1080p"] = (large[-1], (fgr, pha))
    up = lambda x: torch.nn.functional.interpolate(_tensor(x), scale_factor=2, mode="bilinear")  # noqa: E731
    cases["4K"] = (_numpy(up(large[-1])), (_numpy(up(fgr)), _numpy(up(pha[..., None]))[..., 0]))
    runner.reset()
    model_input = large[-1].transpose(2, 0, 1)[None]
    runner.step(model_input, 0.25)
    times: dict = {"model 1080p": []}
    for _ in range(rounds):
        times["model 1080p"].append(_thread_seconds(runner.step, model_input, 0.25))
        for size, (src, (f, a)) in cases.items():
            for estimator, fn in ESTIMATORS.items():
                if estimator.startswith("pymatting") and size == "4K" and len(times.get((estimator, size), [])) >= 1:
                    continue  # seconds a frame: one round says enough
                times.setdefault((estimator, size), []).append(_thread_seconds(fn, src, f, a))
        matte = _tensor(cases["1080p"][1][1][..., None])
        for name, finishing in FINISHING.items():
            times.setdefault((f"finishing: {name}", "1080p"), []).append(
                _thread_seconds(finish_matte, matte, finishing))
        say(f"round done, load {os.getloadavg()[0]:.1f}")
    model = float(np.median(times.pop("model 1080p")))
    return {"model_1080p_s": model,
            "estimators": {f"{e}|{s}": float(np.median(v)) for (e, s), v in times.items()}}


def tables(result: dict) -> str:
    """The markdown tables of ``docs/quality.md``: errors per clip and background (mean |F - F*| and the
    recomposite's, x1000, and each as a ratio of the network's), then the costs."""
    names = [e for e in ESTIMATORS if e not in ("input",)]
    head = "| clip | background | " + " | ".join(names) + " | true F, model's alpha |"
    lines = ["Foreground band error x1000 (ratio to the network's); recomposite band error x1000 (ratio):", "",
             head, "|---|---|" + "---|" * (len(names) + 1)]
    totals: dict = {}
    for clip, table in result["errors"].items():
        for background, row in table.items():
            net = row["network"]
            cells = [f"{1000 * row[e][0]:.0f} ({row[e][0] / net[0]:.2f}); "
                     f"{1000 * row[e][1]:.0f} ({row[e][1] / net[1]:.2f})" for e in names]
            lines.append(f"| {clip.split('_')[0]}_{clip.split('_')[1]} | {background} | " + " | ".join(cells) +
                         f" | {1000 * row['floor'][1]:.0f} ({row['floor'][1] / net[1]:.2f}) |")
            for e in (*names, "floor"):
                totals.setdefault(e, []).append((row[e][0] / net[0], row[e][1] / net[1]))
    means = {e: np.mean(v, axis=0) for e, v in totals.items()}
    if means:
        lines.append("| **mean ratio** | | " + " | ".join(f"{means[e][0]:.2f}; {means[e][1]:.2f}" for e in names) +
                     f" | {means['floor'][1]:.2f} |")
    costs = result["costs"]
    model = costs["model_1080p_s"]
    lines += ["", f"Cost, one thread's CPU ms a frame (median of rounds); the model at 1080p: {1000 * model:.0f} ms",
              "",
              "| step | 360x640 | 1080p | 4K | 1080p / model |", "|---|---|---|---|---|"]
    steps = dict.fromkeys(key.split("|")[0] for key in costs["estimators"])
    for step in steps:
        if step in ("network", "input"):
            continue
        cells = [costs["estimators"].get(f"{step}|{size}") for size in ("360x640", "1080p", "4K")]
        shown = [f"{1000 * c:.1f}" if c is not None else "" for c in cells]
        ratio = f"{100 * cells[1] / model:.1f} %" if cells[1] is not None else ""
        lines.append(f"| {step} | " + " | ".join(shown) + f" | {ratio} |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clips", type=Path, default=Path("../shared/data/clips"))
    parser.add_argument("--images", type=Path, default=Path("../shared/data/images"))
    parser.add_argument("--weights", type=Path, default=Path("../shared/data/weights/rvm_mobilenetv3_fp32.onnx"))
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--skip-errors", action="store_true", help="costs only")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--from-json", type=Path, help="print the tables of an earlier run's JSON, run nothing")
    args = parser.parse_args()
    if args.from_json:
        print(tables(json.loads(args.from_json.read_text())))
        return 0
    say = lambda message: print(message, file=sys.stderr)  # noqa: E731
    torch.set_num_threads(1)
    os.environ.setdefault("NUMBA_NUM_THREADS", "1")
    runner = OnnxRunner(args.weights, threads=1)
    pymatting_ml(np.zeros((8, 8, 3), np.float32), None, np.full((8, 8), 0.5, np.float32))  # compile once
    say(f"load average {os.getloadavg()[0]:.1f}")
    result: dict = {"errors": {}}
    if not args.skip_errors:
        for clip, (first, count) in CLIPS.items():
            result["errors"][clip] = score_clip(runner, args.clips / clip, count, args.images, say, first)
    result["costs"] = time_costs(runner, args.clips, args.rounds, say)
    say(f"load average {os.getloadavg()[0]:.1f}")
    if args.json:
        args.json.write_text(json.dumps(result, indent=1) + "\n")
    print(tables(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
