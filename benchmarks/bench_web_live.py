"""The web page's Live tab in a real browser, over either transport: rate, latency from capture to
display, CPU per frame, and the matte against ``videomatte live``'s.

For each camera size a real clip (``group_1920x1080.mp4``, scaled) is written as a y4m that headless
Chromium (Debian's, through Playwright) plays as its webcam (``--use-file-for-fake-video-capture``). A
real server (``videomatte.web.launch``, this process, a free local port, the authors' ONNX weights)
serves the page; the browser opens the Live tab, chooses the quality, starts the camera and runs for
``--seconds`` after the first 30 frames shown. The numbers are the page's own (``window.videomatteLive``,
written by the page's script): frames shown per second and the latency from capture to display of each
(see ``web/live_client.py`` for WebRTC: frames matched by RTP time; ``matched`` counts them). CPU per
frame is the CPU time of this process (the server: Gradio, aiortc's codecs, the loop) and of the
browser's processes over the window, divided by the frames shown. The matte: every picture the loop
began in the first ``--check-frames`` (for WebRTC: the frames as the server decoded them) is matted
again by ``LiveMatting`` (the ``videomatte live`` loop, ``--no-pace``: nothing dropped) at the ratio the
page began with, up to the quality control's first step (after it, the page's frames were matted at
another ratio); mean |Δα| (0..1) over the frames the page finished.

``--transport gradio`` measures the page before WebRTC (Gradio's streaming image input, commit
40270e0): run it with that commit's sources first on the path, e.g.

    mkdir -p /tmp/gradio-page && git archive 40270e0 src | tar -x -C /tmp/gradio-page
    PYTHONPATH=/tmp/gradio-page/src python benchmarks/bench_web_live.py --transport gradio

    python benchmarks/bench_web_live.py                                   # 640x360 and 1280x720, 40 s each
    python benchmarks/bench_web_live.py --sizes 640x360 --seconds 10 --screenshot docs/serve-live.png

Prints one JSON object per size and the machine's load (``uptime``).
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np

SHARED = Path(__file__).resolve().parents[1] / ".." / "shared" / "data"
CLIP = SHARED / "clips" / "group_1920x1080.mp4"
ONNX = SHARED / "weights" / "rvm_mobilenetv3_fp32.onnx"


def write_y4m(source: Path, out: Path, size: tuple[int, int], frames: int, fps: int) -> Path:
    """The first ``frames`` frames of ``source`` scaled to ``size`` as a 4:2:0 y4m tagged ``C420``."""
    import av

    width, height = size
    with av.open(str(source)) as inp, open(out, "wb") as dst:
        dst.write(f"YUV4MPEG2 W{width} H{height} F{fps}:1 Ip A1:1 C420\n".encode())
        for index, frame in enumerate(inp.decode(inp.streams.video[0])):
            if index == frames:
                break
            planes = frame.reformat(width=width, height=height, format="yuv420p").to_ndarray()
            dst.write(b"FRAME\n" + np.ascontiguousarray(planes).tobytes())
    return out


class Recorder:
    """Keeps what the page's loop began (its input, ``uint8``) and finished (its alpha), for the first
    ``limit`` frames, by wrapping ``FrameMatter.begin``/``finish`` of this process."""

    def __init__(self, limit: int) -> None:
        from videomatte.live.frame_matter import FrameMatter

        self.limit, self.begun, self.alphas, self.ratios = limit, [], {}, {}
        self._lock = threading.Lock()
        begin, finish = FrameMatter.begin, FrameMatter.finish

        def begin_kept(matter, frame, prepared=False):
            begun = begin(matter, frame, prepared)
            if begun.index < self.limit:
                picture = begun.src if isinstance(begun.src, np.ndarray) else \
                    (begun.src[0].permute(1, 2, 0) * 255).round().byte().numpy()  # the picture, or the float input
                with self._lock:
                    self.begun.append((begun.index, picture))
                    self.ratios[begun.index] = matter.session.downsample_ratio
            return begun

        def finish_kept(matter, begun):
            result = finish(matter, begun)
            if result.index < self.limit:
                self.alphas[result.index] = result.pha[0, 0].float().numpy().copy()
            return result

        self._restore = lambda: setattr(FrameMatter, "begin", begin) or setattr(FrameMatter, "finish", finish)
        FrameMatter.begin, FrameMatter.finish = begin_kept, finish_kept

    def close(self) -> None:
        """Put ``FrameMatter`` back as it was."""
        self._restore()

    def frames_in_order(self) -> list[np.ndarray]:
        """The pictures begun since the loop's last reset, in order (index 0 onwards), up to the first
        change of the ratio (the quality control's first step, if any)."""
        last_start = max(i for i, (index, _) in enumerate(self.begun) if index == 0)
        kept = self.begun[last_start:]
        first = self.ratios[kept[0][0]]
        steady = [i for i, (index, _) in enumerate(kept) if self.ratios[index] != first]
        return [frame for _, frame in kept[:steady[0] if steady else len(kept)]]


def live_alpha(frames: list[np.ndarray], ratio: float, fps: float) -> dict[int, np.ndarray]:
    """The same pictures through ``LiveMatting`` (no pacing, nothing dropped) at ``ratio``: alpha per index
    (the network's, before the 8-bit picture)."""
    from videomatte.live import LiveMatting

    recorder = Recorder(len(frames))
    try:
        LiveMatting(source=frames, fps=fps, pace=False, downsample_ratio=ratio, weights=str(ONNX), device="cpu",
                    callback=lambda picture, captured: None).run()
    finally:
        recorder.close()
    return recorder.alphas


def descendants(root: int) -> list[int]:
    """Every process below ``root`` (the browser's, started by Playwright's driver)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [root]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU seconds of the processes (those that still exist)."""
    tick, total = os.sysconf("SC_CLK_TCK"), 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick
    return total


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_camera(page, transport: str) -> None:
    """Press the page's start: WebRTC's button, or Gradio's webcam and its record button."""
    if transport == "webrtc":
        page.click("#live-start")
    else:
        page.get_by_text("Click to Access Webcam").click()
        page.get_by_role("button", name="capture photo").click()


def browse(url: str, camera: Path, seconds: float, quality: str, transport: str, screenshot: Path | None) -> dict:
    """Open the Live tab with ``camera`` as the webcam, choose ``quality``, stream ``seconds``; the page's
    numbers."""
    from playwright.sync_api import sync_playwright

    args = ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-video-capture={camera}"]
    if os.geteuid() == 0:
        args.append("--no-sandbox")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=shutil.which("chromium"), headless=True, args=args)
        page = browser.new_page(viewport={"width": 1280, "height": 1000})
        page.set_default_timeout(180_000)
        page.goto(url)
        page.get_by_role("tab", name="Live").click()
        page.locator("#live-quality").get_by_text(quality, exact=True).click()
        start_camera(page, transport)
        page.wait_for_function("() => window.videomatteLive && window.videomatteLive.shown.length > 30")
        pids = descendants(os.getpid())
        cpu = (time.process_time(), cpu_seconds(pids))
        start = page.evaluate("() => performance.timeOrigin + performance.now()")
        page.wait_for_timeout(seconds * 1000)
        end = page.evaluate("() => performance.timeOrigin + performance.now()")
        cpu = (time.process_time() - cpu[0], cpu_seconds(pids) - cpu[1])
        live = page.evaluate("() => window.videomatteLive")
        report = page.locator("#live-fps").inner_text()
        shown_line = page.locator("#live-shown").inner_text()
        if screenshot is not None:
            page.screenshot(path=str(screenshot), full_page=True)
        browser.close()
    shown = np.array(live["shown"])
    window = (shown >= start) & (shown <= end)
    latency = np.array([np.nan if v is None else v for v in live["latencies"]], dtype=float)[window]
    frames, latency = int(window.sum()), latency[np.isfinite(latency)]
    p50, p95, top = np.percentile(latency, [50, 95, 100]) if latency.size else (float("nan"),) * 3
    return {"fps_shown": round(frames / ((end - start) / 1000), 2), "frames_shown": frames,
            "latency_ms": {"p50": round(float(p50), 1), "p95": round(float(p95), 1), "max": round(float(top), 1),
                           "frames_matched": int(latency.size)},
            "cpu_ms_per_frame": {"server": round(cpu[0] / max(frames, 1) * 1000, 1),
                                 "browser": round(cpu[1] / max(frames, 1) * 1000, 1)},
            "cpu_cores": {"server": round(cpu[0] / ((end - start) / 1000), 2),
                          "browser": round(cpu[1] / ((end - start) / 1000), 2)},
            "page": report, "page_shown": shown_line}


def bench_size(size: tuple[int, int], args: argparse.Namespace, folder: Path) -> dict:
    from videomatte.inference.model_settings import ModelSettings
    from videomatte.web.app import launch
    from videomatte.web.settings import ServeSettings

    camera = write_y4m(CLIP, folder / f"camera-{size[0]}x{size[1]}.y4m", size, args.camera_frames, args.fps)
    recorder = Recorder(args.check_frames)
    served = launch(ServeSettings(model=ModelSettings(weights=str(ONNX), device="cpu")), port=free_port(), block=False)
    try:
        shot = args.screenshot if size == args.sizes[0] else None
        row = {"size": f"{size[0]}x{size[1]}", "transport": args.transport,
               **browse(served.url, camera, args.seconds, args.quality, args.transport, shot)}
    finally:
        served.close()
        recorder.close()
    mode = re.search(r"quality \w+: (\w+)", row["page"]).group(1)
    print(json.dumps(row), file=sys.stderr, flush=True)
    steady = recorder.frames_in_order()
    first_ratio = recorder.ratios[0]
    offline = live_alpha(steady, first_ratio, args.fps)
    deltas = [np.abs(alpha - offline[k]).mean() for k, alpha in recorder.alphas.items()
              if k in offline and k < len(steady)]
    row.update(mode=mode, checked_ratio=first_ratio, matte_frames=len(deltas),
               mean_abs_dalpha=float(np.mean(deltas)) if deltas else None)
    camera.unlink()
    return row


def main() -> None:
    import tempfile

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="640x360,1280x720")
    parser.add_argument("--seconds", type=float, default=40.0)
    parser.add_argument("--fps", type=int, default=30, help="the fake camera's rate")
    parser.add_argument("--quality", default="auto", choices=["auto", "high", "balanced", "fast"])
    parser.add_argument("--camera-frames", type=int, default=150, help="frames of the clip the camera loops")
    parser.add_argument("--check-frames", type=int, default=120, help="frames kept for the matte check")
    parser.add_argument("--transport", default="webrtc", choices=["webrtc", "gradio"],
                        help="gradio: the page before WebRTC (its sources first on PYTHONPATH, see above)")
    parser.add_argument("--screenshot", type=Path, default=None, help="PNG of the page (first size)")
    args = parser.parse_args()
    args.sizes = [tuple(int(v) for v in s.split("x")) for s in args.sizes.split(",")]
    if shutil.which("chromium") is None:
        sys.exit("bench_web_live: no chromium on PATH (apt-get install chromium)")
    print(json.dumps({"uptime": subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip()}))
    with tempfile.TemporaryDirectory() as folder:
        for size in args.sizes:
            print(json.dumps(bench_size(size, args, Path(folder))), flush=True)
    print(json.dumps({"uptime": subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip()}))


if __name__ == "__main__":
    main()
