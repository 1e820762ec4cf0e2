"""End-to-end conversion speed and peak memory: ``videomatte.convert`` versus a plain sequential loop.

Both turn a video into an H.264 composite over green plus an H.264 alpha video with the official
MobileNetV3 ONNX model at a fixed downsample ratio. The sequential loop decodes one frame, runs it in
onnxruntime, composites with numpy and encodes, one step after the other. Each measurement runs in
its own process so that its peak RSS (``ru_maxrss``) and CPU seconds (user and system, all its
threads: what it asked of the cores, steadier than wall-clock time where others share them) are its
own; runs at two clip lengths show whether memory grows with the video; the load average is taken at
the end of each run.

    python benchmarks/bench_convert.py                  # group_1920x1080.mp4, ratio 0.25, 50 and 100 frames
    python benchmarks/bench_convert.py --frames 100 --repeat 2
    python benchmarks/bench_convert.py --cold           # every pipeline run exports its graph first

The pipeline exports the network for the clip's frame size on first use and keeps the graph in the
cache (``$VIDEOMATTE_CACHE``, else ``~/.cache/videomatte``); the "graph" column says which happened.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SHARED = Path(__file__).resolve().parents[1] / ".." / "shared" / "data"
CLIP = SHARED / "clips" / "group_1920x1080.mp4"
ONNX = SHARED / "weights" / "rvm_mobilenetv3_fp32.onnx"
GREEN = (0.0, 177 / 255, 64 / 255)  # the "green" of videomatte.compositing
X264 = {"crf": "18", "preset": "veryfast"}  # the pipeline's H.264 settings


def trim(source: Path, frames: int, target: Path) -> Path:
    """The first ``frames`` frames of ``source`` re-encoded near-losslessly (same size and rate)."""
    import av

    with av.open(str(source)) as inp, av.open(str(target), "w") as out:
        video_in = inp.streams.video[0]
        stream = out.add_stream("libx264", rate=video_in.average_rate, options={"crf": "10", "preset": "ultrafast"})
        stream.width, stream.height, stream.pix_fmt = video_in.width, video_in.height, "yuv420p"
        for index, frame in enumerate(inp.decode(video_in)):
            if index == frames:
                break
            frame.pict_type = 0  # let the encoder choose the frame types
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    return target


def sequential(source: Path, workdir: Path, ratio: float) -> int:
    """The plain loop: decode a frame, infer, composite, encode two outputs; returns the frame count."""
    import av
    import numpy as np

    from videomatte.export.runner import OnnxRunner

    runner = OnnxRunner(ONNX)
    green = np.array(GREEN, np.float32)
    count = 0
    with av.open(str(source)) as inp, av.open(str(workdir / "seq_comp.mp4"), "w") as comp_out, \
            av.open(str(workdir / "seq_alpha.mp4"), "w") as alpha_out:
        video = inp.streams.video[0]
        streams = []
        for out in (comp_out, alpha_out):
            stream = out.add_stream("libx264", rate=video.average_rate, options=X264)
            stream.width, stream.height, stream.pix_fmt = video.width, video.height, "yuv420p"
            streams.append(stream)
        for frame in inp.decode(video):
            src = frame.to_ndarray(format="rgb24").astype(np.float32).transpose(2, 0, 1)[None] / 255
            fgr, pha = runner.step(src, ratio)
            fgr, pha = fgr[0].transpose(1, 2, 0), pha[0].transpose(1, 2, 0)
            comp = fgr * pha + green * (1 - pha)
            for picture, fmt, stream, out in (((comp * 255 + 0.5).astype(np.uint8), "rgb24", streams[0], comp_out),
                                              ((pha[..., 0] * 255 + 0.5).astype(np.uint8), "gray", streams[1],
                                               alpha_out)):
                encoded = av.VideoFrame.from_ndarray(picture, format=fmt)
                encoded.pts = frame.pts
                encoded.time_base = frame.time_base
                out.mux(stream.encode(encoded))
            count += 1
        for stream, out in zip(streams, (comp_out, alpha_out)):
            out.mux(stream.encode(None))
    return count


def pipelined(source: Path, workdir: Path, ratio: float) -> int:
    """The same outputs through ``videomatte.convert``; returns the frame count."""
    from videomatte.conversion.batch import convert

    result = convert(source, composite=workdir / "pipe_comp.mp4", alpha=workdir / "pipe_alpha.mp4",
                     weights=ONNX, downsample_ratio=ratio, device="cpu", progress=False, overwrite=True)
    return result[0].frames


def worker(mode: str, source: Path, ratio: float) -> None:
    """Run one measurement in this process and print it as JSON."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    graphs = Path(os.environ.get("VIDEOMATTE_CACHE") or Path(base) / "videomatte") / "graphs"  # as graphs_dir()
    before = set(graphs.glob("*.onnx"))
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        frames = (pipelined if mode == "pipeline" else sequential)(source, Path(tmp), ratio)
        seconds = time.perf_counter() - start
    usage = resource.getrusage(resource.RUSAGE_SELF)
    peak_mb = usage.ru_maxrss / 1024
    graph = "-" if mode == "sequential" else ("exported" if set(graphs.glob("*.onnx")) - before else "cached")
    print(json.dumps({"mode": mode, "frames": frames, "seconds": seconds, "fps": frames / seconds,
                      "peak_rss_mb": peak_mb, "graph": graph,
                      "cpu_per_frame": (usage.ru_utime + usage.ru_stime) / frames, "load": os.getloadavg()[0]}))


def measure(mode: str, source: Path, ratio: float, cold: bool) -> dict:
    """One measurement in a fresh process; ``cold`` gives the pipeline an empty graph cache."""
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "VIDEOMATTE_CACHE": cache} if cold else None
        done = subprocess.run([sys.executable, __file__, "--worker", mode, "--source", str(source),
                               "--ratio", str(ratio)], capture_output=True, text=True, check=True, env=env)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clip", type=Path, default=CLIP)
    parser.add_argument("--ratio", type=float, default=0.25)
    parser.add_argument("--frames", type=int, nargs="+", default=[50, 100], help="clip lengths to measure")
    parser.add_argument("--repeat", type=int, default=1, help="alternating repetitions of each pair")
    parser.add_argument("--cold", action="store_true",
                        help="give every pipeline run an empty graph cache (it exports the network first)")
    parser.add_argument("--worker", choices=["pipeline", "sequential"], help=argparse.SUPPRESS)
    parser.add_argument("--source", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args.source, args.ratio)
        return
    if not CLIP.is_file() or not ONNX.is_file():
        sys.exit(f"needs {CLIP} and {ONNX}")
    print(f"clip {args.clip.name}, ratio {args.ratio}, sequential: the authors' model in onnxruntime, pipeline: backend auto; outputs: H.264 composite + alpha")
    print(f"{'frames':>6} {'mode':>10} {'fps':>6} {'seconds':>8} {'peak RSS MB':>12} {'graph':>9} "
          f"{'CPU s/frame':>11} {'load':>5}")
    with tempfile.TemporaryDirectory() as tmp:
        for frames in args.frames:
            source = trim(args.clip, frames, Path(tmp) / f"clip_{frames}.mp4")
            for _ in range(args.repeat):
                rows = [measure(mode, source, args.ratio, args.cold) for mode in ("sequential", "pipeline")]
                for row in rows:
                    print(f"{row['frames']:>6} {row['mode']:>10} {row['fps']:6.2f} {row['seconds']:8.1f} "
                          f"{row['peak_rss_mb']:12.0f} {row['graph']:>9} {row['cpu_per_frame']:11.3f} {row['load']:5.1f}")
                print(f"{'':>6} {'speed-up':>10} {rows[1]['fps'] / rows[0]['fps']:6.2f}x")


if __name__ == "__main__":
    main()
