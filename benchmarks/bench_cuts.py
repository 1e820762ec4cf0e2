"""Shot cuts: the detector's false and missed cuts, its cost, the ghosts it removes, and the warm-up.

    python benchmarks/bench_cuts.py detector   # real cuts and hard motion (no network): false/missed cuts
    python benchmarks/bench_cuts.py cost       # the detector's CPU time per frame against the network's
    python benchmarks/bench_cuts.py ghosting   # a 5-shot clip with --cuts off and auto against each shot alone
    python benchmarks/bench_cuts.py warmup     # a shot's first frames: cold, warmed on its own first K frames
        [--shots walk@60,walk@180 --save a.json]   # (then --merge a.json b.json: one table)
    python benchmarks/bench_cuts.py picture    # docs/cuts_ghost.png: the frame after a cut, off vs auto

The footage is ``benchmarks/cuts_material.py`` (clips from ../shared/data at 360x640); the network is the
official ONNX weights through onnxruntime on the CPU (the automatic ratio). Tables print as markdown.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cuts_material import DATA, Footage, hard_motion, jump_pairs, multi_shot, with_cuts  # noqa: E402

WEIGHTS = DATA / "weights" / "rvm_mobilenetv3_fp32.onnx"
OLD_THRESHOLD = 0.25  # the cluster's test before: mean |difference| of 32x32 gray thumbnails


def _old_cuts(frames: list[np.ndarray]) -> list[int]:
    """The cluster's former cut test (full-picture block means, one fixed threshold), for comparison."""
    from videomatte.io.cuts import _block_means

    thumbs = [_block_means(f.mean(axis=-1, dtype=np.float32) / 255, 32) for f in frames]
    return [t for t in range(1, len(frames)) if np.abs(thumbs[t] - thumbs[t - 1]).mean() > OLD_THRESHOLD]


def _new_cuts(frames: list[np.ndarray]) -> tuple[list[int], list[float]]:
    from videomatte.io.cuts import CutDetector

    detector, found, changes = CutDetector(), [], []
    for index, frame in enumerate(frames):
        if detector.is_cut(frame):
            found.append(index)
        changes.append(detector.last_change or 0.0)
    return found, changes


def detector(footage: Footage) -> None:
    print("| sequence | frames | cuts | found | false | missed | change at cuts (min) | inside shots (max) "
          "| former test: false, missed |")
    print("|---|---|---|---|---|---|---|---|---|")
    rows = [(name, frames, cuts) for name, (frames, cuts) in with_cuts(footage).items()]
    rows += [(name, frames, []) for name, frames in hard_motion(footage).items()]
    for name, frames, cuts in rows:
        found, changes = _new_cuts(frames)
        old = _old_cuts(frames)
        inside = max(c for t, c in enumerate(changes) if t not in cuts)
        at_cuts = f"{min(changes[t] for t in cuts):.3f}" if cuts else "-"
        print(f"| {name} | {len(frames)} | {len(cuts)} | {len(found)} | {len(set(found) - set(cuts))} | "
              f"{len(set(cuts) - set(found))} | {at_cuts} | {inside:.3f} | "
              f"{len(set(old) - set(cuts))}, {len(set(cuts) - set(old))} |", flush=True)
    pairs = jump_pairs(footage)
    results = [(_new_cuts(frames)[0], _old_cuts(frames)) for frames in pairs]
    false = sum(len(set(new) - {10}) for new, _ in results)
    missed = sum(10 not in new for new, _ in results)
    old_false, old_missed = sum(len(set(old) - {10}) for _, old in results), sum(10 not in old for _, old in results)
    print(f"| jump cuts between any two moments of walk >= 40 frames apart (10 + 10 frames each) | "
          f"{20 * len(pairs)} | {len(pairs)} | {len(pairs) - missed + false} | {false} | {missed} | - | - | "
          f"{old_false}, {old_missed} |")


def _session():  # noqa: ANN202 - a MattingSession
    from videomatte.inference.session import MattingSession

    session = MattingSession("mobilenetv3", WEIGHTS, device="cpu", backend="onnxruntime")
    session.backend.threads = 1  # one intra-op thread: steadier CPU times on a shared machine
    return session


def cost(footage: Footage, rounds: int = 5, per_round: int = 4) -> None:
    """Thread CPU seconds per frame of the detector and of the network, in interleaved rounds."""
    import torch

    from videomatte.io.cuts import CutDetector

    torch.set_num_threads(1)
    print(f"load before: {os.getloadavg()[0]:.1f}")
    full = footage.group_full[:per_round + 1]
    sizes = {"360x640": [footage.walk[k] for k in range(per_round + 1)], "1920x1080": full,
             "3840x2160": [np.repeat(np.repeat(p, 2, axis=0), 2, axis=1) for p in full]}
    session = _session()
    print("| frame | detector ms | network ms | detector / network |")
    print("|---|---|---|---|")
    for size, frames in sizes.items():
        run_network = size != "3840x2160"  # the network at 4K takes too long on a shared 2-core machine
        session.reset()
        if run_network:
            session.step(frames[0])  # the graph's export for this size, not timed
        det, net = [], []
        for _ in range(rounds):
            detector = CutDetector()
            begin = time.thread_time()
            for frame in frames:
                detector.is_cut(frame)
            det.append((time.thread_time() - begin) / len(frames))
            if run_network:
                begin = time.thread_time()
                for frame in frames[:per_round]:
                    session.step(frame)
                net.append((time.thread_time() - begin) / per_round)
        d = float(np.median(det)) * 1e3
        n = float(np.median(net)) * 1e3 if net else float("nan")
        share = f"{100 * d / n:.2f} %" if net else "-"
        print(f"| {size} | {d:.2f} | {n:.0f} | {share} |", flush=True)
    print(f"load after: {os.getloadavg()[0]:.1f}")


def _alphas(session, frames: list[np.ndarray], cuts: set[int] = frozenset()) -> list[np.ndarray]:
    """Float alpha of every frame from a zero state, the state reset (``session.cut``) at ``cuts``."""
    session.reset()
    out = []
    for index, frame in enumerate(frames):
        if index in cuts:
            session.cut()
        out.append(session.step(frame).pha[0, 0].float().numpy())
    return out


def ghosting(footage: Footage, after: tuple[int, ...] = (0, 1, 2, 10)) -> None:
    from videomatte.io.shots import ShotStarts

    frames, cuts, ranges = multi_shot(footage)
    shots = ShotStarts("auto")
    detected = {t for t, f in enumerate(frames) if shots(t, f)}
    print(f"cuts {cuts}, detected {sorted(detected)}")
    session = _session()
    off, auto = _alphas(session, frames), _alphas(session, frames, detected)
    print("| cut at | " + " | ".join(f"frame +{k}: off mean / max" for k in after) + " | auto: max over the shot |")
    print("|---|" + "---|" * (len(after) + 1))
    for start, stop in ranges[1:]:
        alone = _alphas(session, frames[start:stop])
        cells = []
        for k in after:
            diff = np.abs(off[start + k] - alone[k])
            cells.append(f"{diff.mean():.1e} / {diff.max():.2f}")
        exact = max(float(np.abs(auto[start + k] - alone[k]).max()) for k in range(stop - start))
        print(f"| {start} | " + " | ".join(cells) + f" | {exact:.1e} |", flush=True)


SHOTS = "walk@60,walk@180,walk@300,short@24"


def warmup(footage: Footage, shots: str = SHOTS, save: str | None = None, lengths: tuple[int, ...] = (2, 4, 8),
           after: tuple[int, ...] = (0, 1, 2, 5, 10), history: int = 48) -> None:
    """A shot start at frame ``s`` of a continuous clip: the alpha of frames ``s + k`` from a zero state at
    ``s`` (cold), after a warm-up on the shot's own frames ``s .. s+K-1`` (forwards), or on
    ``s+K-1 .. s+1`` (backwards, ending next to ``s``), against a warm run started ``history`` frames
    before. ``shots``: ``clip@frame`` (clips walk, short, group), comma separated."""
    clips = {"walk": footage.walk, "short": footage.short, "group": footage.group_full}
    session = _session()
    table: dict[str, list[list[float]]] = {}
    for item in shots.split(","):
        name, s = item.split("@")
        clip, s = clips[name], int(s)
        first = max(0, s - history)
        warm = _alphas(session, clip[first:s + max(after) + 1])[s - first:]
        shot = clip[s:s + max(after) + 1]
        runs = {"cold": _alphas(session, shot)}
        for k in lengths:
            for way, order in (("forwards", shot[:k]), ("backwards", shot[k - 1:0:-1])):
                _alphas(session, order)
                runs[f"K={k} {way}"] = [session.step(f).pha[0, 0].float().numpy() for f in shot]
        for label, alphas in runs.items():
            table.setdefault(label, []).append([float(np.abs(alphas[k] - warm[k]).mean()) for k in after])
        print(f"{item} done", file=sys.stderr, flush=True)
    if save:
        with open(save, "w") as handle:
            json.dump({"after": list(after), "shots": shots.split(","), "table": table}, handle)
    _warmup_table([{"after": list(after), "shots": shots.split(","), "table": table}])


def _warmup_table(parts: list[dict]) -> None:
    after = parts[0]["after"]
    print(f"shots: {', '.join(s for p in parts for s in p['shots'])}")
    print("| start of the shot | " + " | ".join(f"frame +{k}" for k in after) + " | extra frames |")
    print("|---|" + "---|" * (len(after) + 1))
    for label in parts[0]["table"]:
        mean = np.mean([row for p in parts for row in p["table"][label]], axis=0)
        extra = 0 if label == "cold" else int(label.split()[0][2:]) - ("backwards" in label)
        print(f"| {label} | " + " | ".join(f"{v:.1e}" for v in mean) + f" | {extra} |", flush=True)


def picture(footage: Footage, cut_index: int = 0, out: str = "docs/cuts_ghost.png") -> None:
    """The frame after a cut of the 5-shot clip: the input, alpha with --cuts off, with auto, 4 |difference|."""
    from PIL import Image, ImageDraw

    frames, cuts, ranges = multi_shot(footage)
    start = cuts[cut_index]
    previous = ranges[cut_index][0]
    session = _session()
    off = _alphas(session, frames[previous:start + 1])[-1]
    auto = _alphas(session, frames[start:start + 1])[-1]
    panels = [frames[start]] + [np.repeat((a * 255).round().astype(np.uint8)[..., None], 3, axis=-1)
                                for a in (off, auto, np.minimum(4 * np.abs(off - auto), 1))]
    image = Image.fromarray(np.concatenate(panels, axis=1)).resize((4 * 240, 427), Image.BILINEAR)
    draw = ImageDraw.Draw(image)
    for k, label in enumerate(["frame after the cut", "alpha: cuts off", "alpha: cuts auto", "difference x4"]):
        draw.text((240 * k + 6, 6), label, fill=(255, 64, 64))
    image.save(out)
    print(f"cut at {start}: mean |diff| {np.abs(off - auto).mean():.1e}, max {np.abs(off - auto).max():.2f}; {out}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("section", choices=["detector", "cost", "ghosting", "warmup", "picture"])
    parser.add_argument("--shots", default=SHOTS, help=f"warmup: clip@frame,... (default {SHOTS})")
    parser.add_argument("--save", metavar="FILE.json", help="warmup: keep the per-shot rows")
    parser.add_argument("--merge", nargs="+", metavar="FILE.json", help="warmup: one table of saved rows")
    args = parser.parse_args()
    if args.merge:
        _warmup_table([json.load(open(path)) for path in args.merge])
        return
    if not WEIGHTS.is_file():
        sys.exit(f"the official weights are needed: {WEIGHTS}")
    footage = Footage()
    if args.section == "warmup":
        warmup(footage, args.shots, args.save)
        return
    {"detector": detector, "cost": cost, "ghosting": ghosting, "picture": picture}[args.section](footage)


if __name__ == "__main__":
    main()
