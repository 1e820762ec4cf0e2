"""Live matting speed, latency and matte quality: the whole loop against the authors' bare model.

For each frame size, frames of a real clip (``group_1920x1080.mp4``, scaled) are decoded into memory and
then:

1. **paced**: released at ``--fps`` like a camera, through ``LiveMatting`` (quality ``--quality``) into a
   virtual camera (a pyvirtualcam backend that keeps nothing) plus a callback that keeps each alpha;
   reports output fps, dropped %, p50/p95 capture-to-output latency, the mode and ratio chosen, and
   the mean |Δα| (0..255) of every output frame against the offline conversion of the same frames;
2. **no-pace**: the same loop handed frames as fast as it takes them (``--no-pace``), at the ratio the
   paced run chose;
3. **authors**: the authors' ONNX model alone in onnxruntime at the same size and ratio, frame after
   frame (no decode, no composite): the ratio no-pace / authors is the loop's speed-up.

``--record mkv`` measures ``videomatte live --source 720p30.mp4 --record out.mkv`` (``live_recording.py``):
dropped, latency, the quality steps and CPU a frame, and the unpaced loop with the recording against the
authors' model. ``--mode-costs`` reports each quality mode's cost in the matte against the offline
conversion (``live_mode_costs.py``).

``--smooth-check`` measures whether ``--smooth`` helps dtSSD: the fast ratio with and without smoothing
against the high-ratio offline matte of ``person_walk_360x640.mp4`` (a reference, not ground truth).

    python benchmarks/bench_live.py                         # 640x360, 1280x720, 1920x1080 at 30 fps
    python benchmarks/bench_live.py --sizes 1280x720 --seconds 20 --quality fast
    python benchmarks/bench_live.py --smooth-check
    python benchmarks/bench_live.py --record mkv --record-rounds 3   # 720p30 file into a recording
    python benchmarks/bench_live.py --mode-costs --mode-frames 100

The machine's load (``uptime``) is printed with the numbers: on a shared machine they are pessimistic.
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
from pathlib import Path

import numpy as np

SHARED = Path(__file__).resolve().parents[1] / ".." / "shared" / "data"
CLIP = SHARED / "clips" / "group_1920x1080.mp4"
WALK = SHARED / "clips" / "person_walk_360x640.mp4"
ONNX = SHARED / "weights" / "rvm_mobilenetv3_fp32.onnx"


class NullCamera:
    """A pyvirtualcam backend that accepts frames and drops them (the cost of a real device's copy aside)."""

    def __init__(self, *, width: int, height: int, fps: float, fourcc: int, device: str | None, **kw: object) -> None:
        self.sent = 0

    def send(self, frame: np.ndarray) -> None:
        self.sent += 1

    def close(self) -> None:
        pass

    def device(self) -> str:
        return "null"

    def native_fourcc(self) -> None:
        return None


def load_frames(path: Path, size: tuple[int, int], count: int) -> list[np.ndarray]:
    """The first ``count`` frames of ``path`` scaled to ``size`` (width, height), ``uint8`` RGB."""
    from videomatte.live.sources import FileSource

    source = FileSource(str(path), loop=True, pace=False, size=size)
    frames = []
    for captured in source:
        frames.append(captured.image)
        if len(frames) == count:
            break
    source.close()
    return frames


def offline_alpha(session: object, frames: list[np.ndarray], ratio: float | None) -> list[np.ndarray]:
    """Every frame matted in order (as ``videomatte convert`` does), alpha ``uint8`` ``[H, W]``."""
    from videomatte.io.frames import to_numpy

    session.fixed_ratio = ratio
    session.reset()
    return [to_numpy(session.step(f).pha)[0, ..., 0] for f in frames]


def live_run(session: object, frames: list[np.ndarray], fps: float, quality: str, pace: bool,
             ratio: float | None = None) -> tuple[dict, dict[int, np.ndarray]]:
    """One ``LiveMatting`` run over ``frames``; its stats and the alpha of each frame it output."""
    from videomatte.live import LiveMatting

    alphas: dict[int, np.ndarray] = {}
    keep = lambda alpha, captured: alphas.__setitem__(captured.index, alpha[..., 0])  # noqa: E731
    live = LiveMatting(session=session, source=frames, fps=fps, pace=pace, quality=quality, downsample_ratio=ratio,
                       virtual_camera=True, camera_backend="null", callback=keep, callback_picture="alpha")
    return live.run().as_dict(), alphas


def authors_fps(frames: list[np.ndarray], ratio: float, count: int) -> float:
    """Frames per second of the authors' ONNX model alone in onnxruntime (states carried, batch 1)."""
    import onnxruntime as ort

    model = ort.InferenceSession(str(ONNX), providers=["CPUExecutionProvider"])
    rec = [np.zeros((1, 1, 1, 1), np.float32)] * 4
    inputs = [f.transpose(2, 0, 1)[None].astype(np.float32) / 255 for f in frames[:count]]
    ratio_in = np.array([ratio], np.float32)
    for src in inputs[:2]:  # warm-up
        model.run(None, {"src": src, "r1i": rec[0], "r2i": rec[1], "r3i": rec[2], "r4i": rec[3],
                         "downsample_ratio": ratio_in})
    start = time.perf_counter()
    for src in inputs:
        _, _, *rec = model.run(None, {"src": src, "r1i": rec[0], "r2i": rec[1], "r3i": rec[2], "r4i": rec[3],
                                      "downsample_ratio": ratio_in})
    return len(inputs) / (time.perf_counter() - start)


def mean_delta(live: dict[int, np.ndarray], offline: list[np.ndarray]) -> float:
    """Mean |Δα| (0..255) of every live output frame against the offline alpha of the same frame."""
    errors = [np.abs(a.astype(np.int16) - offline[k]).mean() for k, a in live.items()]
    return float(np.mean(errors)) if errors else float("nan")


def bench_size(session: object, size: tuple[int, int], args: argparse.Namespace) -> dict:
    """Paced loop, no-pace loop and the authors' model at one size."""
    frames = load_frames(CLIP, size, int(args.seconds * args.fps))
    paced, alphas = live_run(session, frames, args.fps, args.quality, pace=True)
    ratio = paced["ratio"]
    offline = offline_alpha(session, frames, None)
    fast, _ = live_run(session, frames[: args.nopace_frames], args.fps, args.quality, pace=False, ratio=ratio)
    bare = authors_fps(frames, ratio, args.nopace_frames)
    return {"size": f"{size[0]}x{size[1]}", "paced": paced, "no_pace": fast, "authors_fps": round(bare, 2),
            "speedup": round(fast["fps"] / bare, 2), "dropped_pct": round(100 * paced["frames_dropped"] /
                                                                          max(paced["frames_captured"], 1), 1),
            "mean_abs_dalpha": round(mean_delta(alphas, offline), 3)}


def smooth_check(session: object, frames: int) -> list[dict]:
    """dtSSD and MAD of the fast-ratio matte, smoothed or not, against the high-ratio offline matte."""
    from videomatte.evaluation.metrics import dtssd_sequence
    from videomatte.live.frame_matter import FrameMatter

    clip = load_frames(WALK, (360, 640), frames)
    reference = np.stack(offline_alpha(session, clip, 512 / 640)).astype(np.float32) / 255
    rows = []
    for smooth in (0.0, 0.3, 0.5):
        session.fixed_ratio = 256 / 640
        matter = FrameMatter(session, smooth=smooth)
        matter.reset()
        pred = np.stack([matter.matte(f)[1] for f in clip]).astype(np.float32) / 255
        rows.append({"smooth": smooth, "dtssd": round(float(dtssd_sequence(pred, reference, "skip").mean()), 3),
                     "mad_x1e3": round(float(np.abs(pred - reference).mean() * 1e3), 3)})
    return rows


def table(rows: list[dict]) -> str:
    """The results as a Markdown table."""
    lines = ["| size | out fps | dropped | p50 / p95 latency | quality → ratio | no-pace fps | authors' fps | "
             "speed-up | mean abs Δα |", "|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        p = r["paced"]
        lines.append(f"| {r['size']} | {p['fps']} | {r['dropped_pct']} % | {p['latency_ms']['p50']:.0f} / "
                     f"{p['latency_ms']['p95']:.0f} ms | {p['quality']} → {p['chosen']} {p['ratio']:.3g} | "
                     f"{r['no_pace']['fps']} | {r['authors_fps']} | {r['speedup']}x | {r['mean_abs_dalpha']} |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="640x360,1280x720,1920x1080")
    parser.add_argument("--fps", type=float, default=30.0)
    parser.add_argument("--seconds", type=float, default=6.0, help="length of the paced run (default 6)")
    parser.add_argument("--nopace-frames", type=int, default=40)
    parser.add_argument("--quality", default="auto", choices=["auto", "high", "balanced", "fast", "lowest"])
    parser.add_argument("--smooth-check", action="store_true", help="only the --smooth dtSSD measurement")
    parser.add_argument("--record", metavar="SUFFIX", choices=["mkv", "mp4", "mov", "webm"],
                        help="only `live --source 720p30.mp4 --record out.SUFFIX` (e.g. --record mkv)")
    parser.add_argument("--record-rounds", type=int, default=3, help="unpaced/authors rounds (default 3)")
    parser.add_argument("--record-frames", type=int, default=150, help="length of the 720p30 file (default 150)")
    parser.add_argument("--mode-costs", action="store_true", help="only each quality mode's cost in the matte")
    parser.add_argument("--mode-frames", type=int, default=100, help="frames per clip for --mode-costs")
    parser.add_argument("--backend", default="auto", help="the session's runtime (default auto, as `videomatte live`)")
    parser.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    args = parser.parse_args()
    if not (CLIP.is_file() and ONNX.is_file()):
        print(f"bench_live: needs {CLIP} and {ONNX}", file=sys.stderr)
        return 2
    import pyvirtualcam

    from videomatte.inference.session import MattingSession
    from videomatte.live.sources import parse_size

    logging.basicConfig(level=logging.INFO, format="videomatte: %(message)s")
    from videomatte.live.memory import keep_freed_memory

    keep_freed_memory()  # as `videomatte live` does
    pyvirtualcam.register_backend("null", NullCamera)
    session = MattingSession("mobilenetv3", weights=str(ONNX), device="cpu", backend=args.backend)
    print(f"load before: {os.getloadavg()}", flush=True)
    if args.smooth_check:
        result: object = smooth_check(session, 120)
        print(json.dumps(result, indent=1))
    elif args.record:
        from live_recording import bench_record, record_table

        result = bench_record(session, load_frames(CLIP, (1280, 720), 100), args.record, args.quality,
                              args.record_rounds, args.record_frames)
        print(record_table(result))
    elif args.mode_costs:
        from live_mode_costs import costs_table, mode_costs

        result = mode_costs(session, args.mode_frames)
        print(costs_table(result))
    else:
        result = [bench_size(session, parse_size(s), args) for s in args.sizes.split(",")]
        print(table(result))
    print(f"load after: {os.getloadavg()} (1, 5, 15 min averages; {os.cpu_count()} cores)")
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
