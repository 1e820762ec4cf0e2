"""How the Ray engine scales past this machine: N emulated GPU workers, and the join's cost per frame.

    python benchmarks/bench_cluster_scaling.py scaling     # N = 1, 2, 4, 8, 16 emulated workers, one batch
    python benchmarks/bench_cluster_scaling.py join        # packet-copy join of 1080p parts, ms per frame

``scaling`` runs the real engine (planning, Ray actors, seeking, warm-up, the pipeline, compositing, the
final codec written by each worker, join tasks, resume bookkeeping) on a local Ray instance, with the
network replaced by a fixed sleep per frame (``RayEngine(emulate_network=...)``, default 9.6 ms: MobileNetV3
at 1080p on a GTX 1080 Ti in fp32, from the paper). On a 2-core machine N workers can only sleep in
parallel: everything else they do costs CPU here, so the frames are small (64x36, 4 frames a chunk) to
keep the work that grows with pixels far below the sleep; the sleep does not shrink with them. The
batch (16 inputs of 30 s, 5 s segments) is long enough that the driver's cost per batch and the
workers' set-up per segment are amortised as an hour of video would amortise them (``docs/cluster.md``).
Throughput is frames per second of the whole batch (``convert``'s wall time, Ray already started, the
actors warm); the driver's share is the part of the wall time when no segment was in a worker's hands
(planning, the joins after the last segment, closing: ``driver_seconds`` + ``join_tail_seconds`` of
``--stats``); also the driver process's CPU over the wall, and the CPU of every process of the Ray
instance per written frame (what two cores must carry).

``join`` writes parts of 1080p in ProRes 4444, FFV1 and H.264 with the project's writers and times
:class:`videomatte.io.concat.PacketJoiner` on them: the join's cost per frame at full size, which the
emulation's small frames cannot show.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from fractions import Fraction
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))  # media_clips.moving_scene: the synthetic scene of the tests


def make_batch(folder: Path, inputs: int, seconds: float, width: int, height: int, rate: int = 30) -> Path:
    """``inputs`` H.264 clips of ``seconds`` (a key frame every second, as cameras and encoders do)."""
    import av
    from media_clips import moving_scene

    folder.mkdir(parents=True, exist_ok=True)
    for number in range(inputs):
        with av.open(str(folder / f"clip{number:02d}.mp4"), "w") as container:
            stream = container.add_stream("libx264", rate=rate, options={"preset": "ultrafast", "g": str(rate)})
            stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
            for index in range(int(seconds * rate)):
                picture = np.ascontiguousarray(moving_scene(index + 7 * number, width, height)[0])
                frame = av.VideoFrame.from_ndarray(picture, format="rgb24")
                frame.pts, frame.time_base = index, Fraction(1, rate)
                container.mux(stream.encode(frame))
            container.mux(stream.encode(None))
    return folder


def tree_cpu_seconds(root: int) -> float:
    """CPU seconds (user + system) of the live processes under ``root``, ``root`` included: the driver
    and, under it, Ray's own processes and workers (Linux ``/proc``)."""
    tick, parents, spent = os.sysconf("SC_CLK_TCK"), {}, {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rpartition(")")[2].split()
        except (OSError, ValueError):
            continue  # not a process, or one that just ended
        parents[int(entry.name)] = int(fields[1])
        spent[int(entry.name)] = (int(fields[11]) + int(fields[12])) / tick
    total, todo = 0.0, [root]
    while todo:
        pid = todo.pop()
        total += spent.get(pid, 0.0)
        todo += [child for child, parent in parents.items() if parent == pid]
    return total


def run_once(batch: Path, out: Path, workers: int, args: argparse.Namespace) -> dict:
    """One conversion of the batch on ``workers`` emulated workers; its stats record, plus the driver's CPU
    and the CPU of every process of the Ray instance."""
    from videomatte.cluster import RayEngine
    from videomatte.conversion.batch import convert

    shutil.rmtree(out, ignore_errors=True)
    engine = RayEngine(workers=workers, segment_seconds=args.segment_seconds, warmup=args.warmup,
                       emulate_network=args.network_ms / 1000)
    cpu, everything, load = time.process_time(), tree_cpu_seconds(os.getpid()), os.getloadavg()[0]
    convert(batch, output=f"{out}/{{name}}{args.suffix}", weights=None, progress=False, engine=engine,
            stats=out / "stats.json", seq_chunk=args.seq_chunk)
    record = json.loads((out / "stats.json").read_text())
    record["driver_cpu_seconds"] = time.process_time() - cpu
    record["all_cpu_seconds"] = tree_cpu_seconds(os.getpid()) - everything
    record["load"] = (load, os.getloadavg()[0])
    return record


def scaling(args: argparse.Namespace) -> list[dict]:
    """The table: per N, throughput, speed-up over N = 1, the wall split, the driver's share."""
    import ray

    work = Path(tempfile.mkdtemp(prefix="bench-scaling-"))
    try:
        batch = make_batch(work / "in", args.inputs, args.seconds, args.width, args.height)
        starter = make_batch(work / "start", max(args.workers), 1.0, args.width, args.height)
        ray.init(address="local", num_cpus=max(args.workers) + 2, include_dashboard=False, log_to_driver=False)
        run_once(starter, work / "warm", max(args.workers), args)  # starts every actor and the join process
        rows = []
        for workers in args.workers:
            record = run_once(batch, work / f"out{workers}", workers, args)
            rows.append(_row(workers, record, rows[0] if rows else None))
            print(json.dumps(rows[-1]), flush=True)
        return rows
    finally:
        if ray.is_initialized():
            ray.shutdown()
        shutil.rmtree(work, ignore_errors=True)


def _row(workers: int, record: dict, first: dict | None) -> dict:
    phases, seconds = record["phases"], record["seconds"]
    fps = record["frames"] / seconds
    return {"workers": workers, "frames": record["frames"], "seconds": round(seconds, 2), "fps": round(fps, 1),
            "speedup": round(fps / first["fps"], 2) if first else 1.0,
            "driver_share": round((record["driver_seconds"] + record["join_tail_seconds"]) / seconds, 3),
            "worker_other_share": round((phases["other"] - record["driver_seconds"]) / seconds, 3),
            "driver_cpu_share": round(record["driver_cpu_seconds"] / seconds, 3),
            "cpu_ms_per_frame": round(1000 * record["all_cpu_seconds"] / record["frames"], 2),
            "cores_used": round(record["all_cpu_seconds"] / seconds, 2),
            "load_before_after": [round(v, 1) for v in record["load"]],
            "join_ms_per_frame": round(1000 * record["busy"]["join"] / record["frames"], 3),
            "phases": {k: round(v, 2) for k, v in phases.items()},
            "busy_ms_per_frame": {k: round(v, 2) for k, v in record["busy_ms_per_frame"].items()}}


def join_costs(args: argparse.Namespace) -> dict:
    """Milliseconds per frame of a packet-copy join of 1080p parts, per codec (best of ``args.rounds``)."""
    from media_clips import moving_scene

    from videomatte.io.codecs import codec_for
    from videomatte.io.stream import VideoInfo
    from videomatte.io.writers import VideoWriter

    work = Path(tempfile.mkdtemp(prefix="bench-join-"))
    info = VideoInfo(Path("none"), 1920, 1080, Fraction(30), Fraction(1, 15360), has_audio=False)
    rgb, alpha = moving_scene(0, 1920, 1080)
    picture = np.concatenate([rgb, (alpha[..., None] * 255).astype(np.uint8)], axis=-1)
    step, results = 512, {}
    try:
        for suffix, codec in ((".mov", "prores"), (".mkv", "ffv1"), (".mp4", "h264")):
            spec, parts = codec_for(f"x{suffix}", codec), []
            for part in range(args.parts):
                stamps = [step * (part * args.frames + i) for i in range(args.frames)]
                path = work / f"part{part}{suffix}"
                with VideoWriter(path, info, spec, alpha=spec.alpha_pix_fmt is not None) as writer:
                    for pts in stamps:
                        writer.write(np.roll(picture, pts // step, axis=1), pts, info.time_base)
                parts.append((path, stamps))
            results[codec] = _time_join(work / f"joined{suffix}", info, parts, args.rounds)
            print(codec, json.dumps(results[codec]), flush=True)
        return results
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _time_join(target: Path, info: object, parts: list, rounds: int) -> dict:
    from videomatte.io.concat import PacketJoiner

    frames = sum(len(stamps) for _, stamps in parts)
    best_wall, best_cpu = float("inf"), float("inf")
    for _ in range(rounds):
        wall, cpu = time.perf_counter(), time.thread_time()
        with PacketJoiner(target, info, overwrite=True, audio=False) as joiner:
            for path, stamps in parts:
                joiner.add(path, stamps)
        best_wall = min(best_wall, time.perf_counter() - wall)
        best_cpu = min(best_cpu, time.thread_time() - cpu)
    size = sum(os.path.getsize(path) for path, _ in parts) / frames
    return {"frames": frames, "wall_ms_per_frame": round(1000 * best_wall / frames, 3),
            "cpu_ms_per_frame": round(1000 * best_cpu / frames, 3), "mb_per_frame": round(size / 1e6, 3)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    scale = sub.add_parser("scaling", help="N emulated workers on one batch")
    scale.add_argument("--workers", type=lambda s: [int(n) for n in s.split(",")], default=[1, 2, 4, 8, 16])
    scale.add_argument("--inputs", type=int, default=16)
    scale.add_argument("--seconds", type=float, default=30.0, help="length of each input")
    scale.add_argument("--width", type=int, default=64)
    scale.add_argument("--height", type=int, default=36)
    scale.add_argument("--seq-chunk", type=int, default=4, help="frames per network call (and per queue item)")
    scale.add_argument("--segment-seconds", type=float, default=5.0)
    scale.add_argument("--warmup", type=int, default=8)
    scale.add_argument("--network-ms", type=float, default=9.6, help="emulated network time per frame")
    scale.add_argument("--suffix", default=".mov", help="output container (.mov ProRes, .mp4 H.264, ...)")
    join = sub.add_parser("join", help="packet-copy join of 1080p parts")
    join.add_argument("--parts", type=int, default=3)
    join.add_argument("--frames", type=int, default=20, help="frames per part")
    join.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    result = scaling(args) if args.command == "scaling" else join_costs(args)
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
