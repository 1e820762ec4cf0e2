"""``bench_live.py --record SUFFIX``: ``videomatte live --source 720p30.mp4 --record out.SUFFIX``, measured.

A 1280x720 30 fps H.264 file is made from ``group_1920x1080.mp4`` (its 100 frames scaled, then played
back and forth to 150 frames, so that no cut restarts the network), and played through ``LiveMatting``
at its own rate into a recording only, as the command does. Reported: frames dropped, p50/p95
capture-to-output latency, the quality steps, the recording's frame count (decoded back), the
process's CPU time per frame over the loop; then the same loop unpaced (``--no-pace``) at the ratio the
paced run ended on, against the authors' ONNX model alone at that size and ratio in the same process,
in interleaved rounds.
"""
from __future__ import annotations

import tempfile
import threading
import time
from pathlib import Path

import numpy as np


def make_clip(frames: list[np.ndarray], path: Path, fps: int = 30, count: int = 150) -> Path:
    """Write ``count`` of ``frames`` (forth, back, forth...) as an H.264 file at ``fps`` (crf 16)."""
    import av

    order = list(range(len(frames))) + list(range(len(frames) - 2, 0, -1))
    height, width = frames[0].shape[:2]
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=fps, options={"crf": "16", "preset": "veryfast"})
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        for k in range(count):
            frame = av.VideoFrame.from_ndarray(frames[order[k % len(order)]], format="rgb24")
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    return path


def count_frames(path: Path) -> int:
    """Frames in a recording, decoded."""
    import av

    with av.open(str(path)) as container:
        return sum(1 for _ in container.decode(video=0))


class LoopCpu:
    """The process's CPU seconds from the loop's start (after the warm-up) to ``done()``."""

    def __init__(self, live: object) -> None:
        self.live, self.begin = live, None
        self._initial = live.stats.started  # type: ignore[attr-defined]
        threading.Thread(target=self._watch, daemon=True).start()

    def _watch(self) -> None:
        while self.live.stats.started == self._initial:  # type: ignore[attr-defined]
            time.sleep(0.002)
        self.begin = time.process_time()

    def done(self) -> float:
        return time.process_time() - (self.begin or time.process_time())


def record_run(session: object, clip: Path, suffix: str, pace: bool, quality: str,
               ratio: float | None = None) -> dict:
    """One ``LiveMatting`` run from ``clip`` into a recording ``out.SUFFIX``; its stats and costs."""
    from videomatte.live import LiveMatting

    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / f"out.{suffix}"
        live = LiveMatting(session=session, source=str(clip), pace=pace, quality=quality, downsample_ratio=ratio,
                           record=str(out))
        cpu = LoopCpu(live)
        stats = live.run().as_dict()
        spent = cpu.done()
        stats["cpu_ms_per_frame"] = round(1000 * spent / max(stats["frames_processed"], 1), 1)
        stats["recorded_decoded"] = count_frames(out)
    stats["dropped_pct"] = round(100 * stats["frames_dropped"] / max(stats["frames_captured"], 1), 1)
    return stats


def authors_rate(frames: list[np.ndarray], ratio: float) -> tuple[float, float]:
    """The authors' ONNX model alone (onnxruntime's default threads), frame after frame: ``(fps, CPU ms a frame)``."""
    from bench_live import authors_fps

    began = time.process_time()
    fps = authors_fps(frames, ratio, len(frames))
    return fps, 1000 * (time.process_time() - began) / (len(frames) + 2)


def authors_thread_ms(frames: list[np.ndarray], ratio: float) -> float:
    """CPU ms a frame of the authors' ONNX model on one onnxruntime thread (``time.thread_time``, the
    figure that load changes least; ``../shared/notes/measuring.md``)."""
    import onnxruntime as ort
    from bench_live import ONNX

    options = ort.SessionOptions()
    options.intra_op_num_threads, options.inter_op_num_threads = 1, 1
    model = ort.InferenceSession(str(ONNX), options, providers=["CPUExecutionProvider"])
    rec = [np.zeros((1, 1, 1, 1), np.float32)] * 4
    feed = {"downsample_ratio": np.array([ratio], np.float32)}
    inputs = [f.transpose(2, 0, 1)[None].astype(np.float32) / 255 for f in frames]
    spent = 0.0
    for k, src in enumerate(inputs):
        began = time.thread_time()
        _, _, *rec = model.run(None, {**feed, "src": src, "r1i": rec[0], "r2i": rec[1], "r3i": rec[2], "r4i": rec[3]})
        spent += (time.thread_time() - began) if k >= 2 else 0.0  # the first two warm up
    return 1000 * spent / (len(inputs) - 2)


def bench_record(session: object, frames: list[np.ndarray], suffix: str, quality: str, rounds: int,
                 count: int = 150) -> dict:
    """The paced run over ``count`` frames, then ``rounds`` interleaved rounds of the unpaced loop and the
    authors' model."""
    with tempfile.TemporaryDirectory() as folder:
        clip = make_clip(frames, Path(folder) / "group_1280x720_30fps.mp4", count=count)
        paced = record_run(session, clip, suffix, pace=True, quality=quality)
        ratio = paced["ratio"]
        loops, bare, one_thread = [], [], []
        for _ in range(rounds):
            loops.append(record_run(session, clip, suffix, pace=False, quality=quality, ratio=ratio))
            bare.append(authors_rate(frames[:40], ratio))
            one_thread.append(authors_thread_ms(frames[:20], ratio))
    ratios = [run["fps"] / fps for run, (fps, _) in zip(loops, bare)] or [float("nan")]  # --record-rounds 0
    return {"suffix": suffix, "paced": paced, "no_pace": loops, "authors": [{"fps": round(f, 2), "cpu_ms_per_frame":
            round(c, 1)} for f, c in bare], "speedup_median": round(float(np.median(ratios)), 2),
            "speedup_range": [round(min(ratios), 2), round(max(ratios), 2)],
            "authors_one_thread_cpu_ms": [round(v, 1) for v in one_thread]}


def record_table(result: dict) -> str:
    """The paced run and the unpaced comparison as Markdown."""
    p = result["paced"]
    steps = "; ".join(f"{c['at_s']} s {c['from']}→{c['to']}" for c in p["quality_changes"]) or "none"
    lines = [("| --record | frames in / out / recorded | dropped | p50 / p95 latency | quality (start → end) | "
             "steps | CPU a frame | record waits |"), "|---|---|---|---|---|---|---|---|",
             (f"| out.{result['suffix']} | {p['frames_captured']} / {p['frames_processed']} / {p['recorded_decoded']} "
             f"| {p['dropped_pct']} % | {p['latency_ms']['p50']:.0f} / {p['latency_ms']['p95']:.0f} ms | "
             f"{p['quality']} → {p['chosen']} {p['ratio']:.3g} | {steps} | {p['cpu_ms_per_frame']} ms | "
             f"{p['record_wait_s']} s |"), "",
             "| round | unpaced loop fps (CPU a frame) | authors' fps (CPU a frame) | ratio |", "|---|---|---|---|"]
    for k, (run, bare) in enumerate(zip(result["no_pace"], result["authors"])):
        lines.append(f"| {k + 1} | {run['fps']} ({run['cpu_ms_per_frame']} ms) | {bare['fps']} "
                     f"({bare['cpu_ms_per_frame']} ms) | {run['fps'] / bare['fps']:.2f}x |")
    lines.append(f"\nunpaced / authors: median {result['speedup_median']}x, range {result['speedup_range']}; the "
                 f"authors' model on one thread: {result['authors_one_thread_cpu_ms']} ms of CPU a frame")
    return "\n".join(lines)
