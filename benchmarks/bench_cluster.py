"""Conversion on Ray against the local engine, and the warm-up needed at a seam.

    python benchmarks/bench_cluster.py warmup      # how many warm-up frames bring a seam to the single pass
    python benchmarks/bench_cluster.py speed       # local engine vs Ray with 1 and 2 workers, same batch
    python benchmarks/bench_cluster.py segment     # per-frame costs of a 1080p segment's parts

Both read the clips and the official ONNX weights from ../shared/data. Speeds are for this machine at
the moment of the run (print ``uptime`` beside them); the estimate for N GPU workers is arithmetic from
the measured per-segment costs, not a measurement.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
DATA = REPO.parent / "shared" / "data"
WEIGHTS = DATA / "weights" / "rvm_mobilenetv3_fp32.onnx"
CLIPS = {"person_short_360x640.mp4": [24], "person_walk_360x640.mp4": [60, 120, 180, 240, 300, 360],
         "group_1920x1080.mp4": [48]}
WARMUPS = [0, 1, 2, 4, 8, 16, 32]


def _alphas(session, frames: list[np.ndarray]) -> list[np.ndarray]:
    """Float alpha ``[H, W]`` of every frame, state carried from the first (reset before)."""
    session.reset()
    return [session.step(frame).pha[0, 0].float().numpy() for frame in frames]


def warmup_sweep(warmups: list[int], clips: dict[str, list[int]]) -> dict:
    """Mean |Δα| against the single pass on the first frame after each seam, for each warm-up length."""
    from videomatte.inference.session import MattingSession
    from videomatte.io.readers import open_reader

    session = MattingSession("mobilenetv3", WEIGHTS, device="cpu", backend="onnxruntime")
    table: dict = {}
    for name, seams in clips.items():
        with open_reader(DATA / "clips" / name) as reader:
            frames = [f.image for f in reader]
        single = _alphas(session, frames)
        for seam in seams:
            row = {}
            for warmup in warmups:
                first = max(0, seam - warmup)
                pha = _alphas(session, frames[first:seam + 1])[-1]
                row[warmup] = float(np.abs(pha - single[seam]).mean())
            table[f"{name}@{seam}"] = row
            print(name, seam, " ".join(f"W={w}:{d:.2e}" for w, d in row.items()), flush=True)
    return table


def _convert(inputs: str, out: Path, engine: object) -> float:
    """Seconds to convert ``inputs`` into FFV1 RGBA files under ``out`` with ``engine``."""
    from videomatte.conversion.batch import convert

    begin = time.perf_counter()
    convert(inputs, output=str(out / "{name}.mkv"), weights=str(WEIGHTS), progress=False, engine=engine)
    return time.perf_counter() - begin


def speed(clips: list[str], segment_seconds: float, warmup: int) -> dict:
    """Wall time and fps of one batch through the local engine and through Ray with 1 and 2 workers."""
    import ray

    from videomatte.cluster import RayEngine
    from videomatte.io.readers import open_reader

    work = Path(tempfile.mkdtemp(prefix="bench-cluster-"))
    batch = work / "in"
    batch.mkdir()
    frames = 0
    for k, name in enumerate(clips):
        shutil.copy(DATA / "clips" / name, batch / f"{k}-{name}")
        with open_reader(batch / f"{k}-{name}") as reader:
            frames += sum(1 for _ in reader)
    rows = {"frames": frames, "local_s": _convert(str(batch), work / "local", "local")}
    begin = time.perf_counter()
    ray.init(address="local", num_cpus=os.cpu_count(), include_dashboard=False, log_to_driver=False)
    rows["ray_start_s"] = time.perf_counter() - begin
    rows["segment_probe"] = _segment_probe(ray)
    for workers in (1, 2):
        engine = RayEngine(workers=workers, segment_seconds=segment_seconds, warmup=warmup)
        rows[f"ray{workers}_s"] = _convert(str(batch), work / f"ray{workers}", engine)
    ray.shutdown()
    shutil.rmtree(work, ignore_errors=True)
    for key in ("local_s", "ray1_s", "ray2_s"):
        rows[key.replace("_s", "_fps")] = frames / rows[key]
    return rows


def _segment_probe(ray) -> dict:
    """Round trip of an empty actor call and of a Segment description (Ray's own cost per task)."""
    from videomatte.cluster.plan import Segment

    @ray.remote(num_cpus=0)
    class Echo:
        def run(self, segment: object) -> object:
            return segment

    echo = Echo.remote()
    segment = Segment("/data/clip.mp4", 3, 240, 480, 224, "/out/.videomatte-segments-clip/segment-00003.mkv")
    ray.get(echo.run.remote(segment))
    begin = time.perf_counter()
    for _ in range(100):
        ray.get(echo.run.remote(segment))
    return {"task_round_trip_ms": (time.perf_counter() - begin) * 10}


def segment_costs(name: str = "group_1920x1080.mp4", start: int = 50) -> dict:
    """Per-frame costs of the parts of a segment on this machine, at the clip's size (1080p by default):
    seek + decode, the network (onnxruntime, CPU), the lossless 16-bit write, reading it back, and the
    final encode of the join (ProRes 4444)."""
    from videomatte.compositing import rgba
    from videomatte.inference.session import MattingSession
    from videomatte.io.frames import to_numpy
    from videomatte.io.seeking import open_seekable
    from videomatte.io.segments import finish_segment, read_segment, segment_writer
    from videomatte.io.writers import open_writer

    work = Path(tempfile.mkdtemp(prefix="bench-segment-"))
    costs: dict = {}
    with open_seekable(DATA / "clips" / name) as video:
        info = video.info
        begin = time.perf_counter()
        frames = list(video.frames(start, len(video.timestamps())))
        costs["seek_decode_ms"] = (time.perf_counter() - begin) * 1000 / len(frames)
    session = MattingSession("mobilenetv3", WEIGHTS, device="cpu", backend="onnxruntime")
    session.step(frames[0].image)  # the graph export or cache load is not a per-frame cost
    begin = time.perf_counter()
    mattes = [session.step(f.image) for f in frames]
    costs["network_cpu_ms"] = (time.perf_counter() - begin) * 1000 / len(frames)
    pictures = [to_numpy(rgba(m.fgr, m.pha), 16)[0] for m in mattes]
    begin = time.perf_counter()
    with segment_writer(work / "segment.mkv", info) as writer:
        for picture, frame in zip(pictures, frames):
            writer.write(picture, frame.pts, frame.time_base)
    finish_segment(work / "segment.mkv", [f.pts for f in frames], info.time_base)
    costs["segment_write_ms"] = (time.perf_counter() - begin) * 1000 / len(frames)
    costs["segment_mb_per_frame"] = (work / "segment.mkv").stat().st_size / 1e6 / len(frames)
    begin = time.perf_counter()
    back = [p for p, _, _ in read_segment(work / "segment.mkv")]
    costs["segment_read_ms"] = (time.perf_counter() - begin) * 1000 / len(frames)
    begin = time.perf_counter()
    with open_writer(work / "out.mov", info, alpha=True, audio=False) as writer:
        for picture, frame in zip(back, frames):
            writer.write(picture, frame.pts, frame.time_base)
    costs["join_encode_prores_ms"] = (time.perf_counter() - begin) * 1000 / len(frames)
    costs["frames"] = len(frames)
    shutil.rmtree(work, ignore_errors=True)
    return costs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("what", choices=["warmup", "speed", "segment"])
    parser.add_argument("--segment-seconds", type=float, default=2.0)
    parser.add_argument("--json", type=Path, help="write the numbers here too")
    parser.add_argument("--clip", help="warmup: only this clip of ../shared/data/clips")
    parser.add_argument("--batch", default="person_short_360x640.mp4,person_walk_360x640.mp4",
                        help="speed: comma-separated clips of ../shared/data/clips (repeats allowed)")
    parser.add_argument("--warmup", type=int, default=None, help="speed: warm-up frames (default: the engine's)")
    parser.add_argument("--seams", help="warmup: comma-separated seam frames (with --clip)")
    parser.add_argument("--warmups", help="warmup: comma-separated warm-up lengths (default 0,1,2,4,8,16,32)")
    args = parser.parse_args(argv)
    if not WEIGHTS.is_file():
        print(f"bench_cluster: {WEIGHTS} is absent", file=sys.stderr)
        return 1
    print("uptime:", os.popen("uptime").read().strip(), flush=True)
    if args.what == "warmup":
        clips = {args.clip: [int(x) for x in args.seams.split(",")]} if args.clip else CLIPS
        warmups = [int(x) for x in args.warmups.split(",")] if args.warmups else WARMUPS
        result = warmup_sweep(warmups, clips)
    elif args.what == "segment":
        result = segment_costs()
    else:
        from videomatte.cluster import DEFAULT_WARMUP

        warmup = DEFAULT_WARMUP if args.warmup is None else args.warmup
        result = speed(args.batch.split(","), args.segment_seconds, warmup)
        result.update(segment_seconds=args.segment_seconds, warmup=warmup)
    print(json.dumps(result, indent=1))
    if args.json:
        args.json.write_text(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
