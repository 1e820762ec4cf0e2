"""``LiveMatting``: capture, inference and output in three threads, newest frame wins.

::

    capture ──Latest──▶ begin ──Latest──▶ finish, then output ──▶ sinks
    (source paces,      (network,        (the stateless rest: refiner; then composite/RGBA,
     input tensor)      recurrent part)   record, virtual camera, window, callback)

``begin`` and ``finish`` are the two halves of ``FrameMatter.infer``: on the CPU with onnxruntime the session
runs them as two half graphs on one thread each (``MattingSession.overlap_stages``), so the refiner of frame t
runs on one core while the encoder of frame t+1 runs on the other; elsewhere ``begin`` does all the work and
``finish`` only passes it on. The outputs are rendered and sent on the finishing thread (a separate output
thread measured 20 ms more median latency at 720p), a recording's encoder on its own (``live.recorder``). Each
hand-over holds one item: a stage that falls behind finds only the newest frame waiting, and the ones it never
saw are counted as dropped instead of queueing up into lag. A frame and its matte travel together
(``MatteResult``), so what is sent is always composited with the frame it was computed from. The main thread
watches the clock (``duration``), ticks the quality controller (``live.adaptive``), prints the readout and
turns Ctrl-C into a clean end (the recording finalised, ``stats.interrupted`` set).
"""
from __future__ import annotations

import dataclasses
import itertools
import logging
import os
import sys
import threading
import time
from contextlib import ExitStack
from typing import TYPE_CHECKING, Any, Callable, Iterator

from videomatte.conversion.threads import Pipeline
from videomatte.live.adaptive import AdaptiveQuality, prepare_ladder
from videomatte.live.live_options import LiveOptions
from videomatte.live.sources import Pacer
from videomatte.live.slots import END, Latest
from videomatte.live.stats import LiveStats
from videomatte.live.window import BACKGROUND_CYCLE, Controls

if TYPE_CHECKING:
    import numpy as np

    from videomatte.inference.session import MattingSession
    from videomatte.live.frame_matter import FrameMatter
    from videomatte.live.sinks import Sink
    from videomatte.live.sources import Captured

log = logging.getLogger("videomatte.live")
READOUT_EVERY = 0.5  # seconds


class LiveMatting:
    """A live matting run: ``LiveMatting(source="0", virtual_camera=True).run()``.

    Args:
        options: the settings (:class:`LiveOptions`); keyword ``settings`` build or override them.
        session: a ready ``MattingSession`` to use instead of building one from the options.

    ``run()`` blocks until the run ends and returns its :class:`LiveStats`; ``stop()`` (from any thread)
    ends it cleanly. Errors of the source or an output (a camera that disappears, no virtual camera
    device) are raised from ``run()`` as ``VideoMatteError`` after every thread has stopped, and a
    recording is then removed.
    """

    def __init__(self, options: LiveOptions | None = None, *, session: MattingSession | None = None, **settings: Any) -> None:
        base = options or LiveOptions()
        self.options = base.replace(**settings) if settings else base
        self.session = session
        self.stats = LiveStats(quality=self.options.quality)
        others = [b for b in BACKGROUND_CYCLE if b != self.options.background]
        self.controls = Controls(backgrounds=[self.options.background, *others])
        self._finish = threading.Event()
        self._errors = Pipeline()
        self._overlapped = False
        self._sinks: list[Sink] = []
        self.matter: object | None = None
        self.adaptive: AdaptiveQuality | None = None  # --quality auto: keeps adjusting while running

    def stop(self) -> None:
        """End the run after the frame in flight (thread-safe)."""
        self._finish.set()

    def _spawn(self, name: str, target: Callable[[], None]) -> threading.Thread:
        def guarded() -> None:
            try:
                target()
            except BaseException as err:  # noqa: BLE001 - carried to run()
                self._errors.fail(err)

        thread = threading.Thread(target=guarded, name=f"live {name}", daemon=True)
        thread.start()
        return thread

    def _waits(self) -> bool:
        """``--no-pace`` on a file or Python source: every stage waits for the next, nothing is dropped."""
        from videomatte.live.sources import is_device

        spec = self.options.source
        return not self.options.pace and not (isinstance(spec, str) and is_device(spec))

    def _capture(self, frames: Iterator[Captured], inbox: Latest, matter: FrameMatter) -> None:
        """Take frames from the source and prepare the network's input (off the network's thread)."""
        wait = self._waits()
        try:
            for frame in frames:
                if self._finish.is_set() or self._errors.stop.is_set():
                    break
                self.stats.captured()
                if inbox.put((frame, matter.prepare(frame.image)), wait=wait) is not None:
                    self.stats.dropped()
        finally:
            inbox.close()

    def _choose(self, matter: FrameMatter, image: np.ndarray, fps: float) -> None:
        import torch

        from videomatte.live import quality

        session = matter.session

        def frame_seconds(ratio: float) -> float | tuple[float, float]:
            """Seconds a frame takes on the loop's threads: the network's halves with what runs beside
            each (the input's conversion on the capture thread, the composite after the second half);
            when the halves overlap, ``(slower stage, all of it)``, else all of it."""
            session.fixed_ratio = ratio
            session.reset()
            session.step(image)  # the first call at a size exports (or loads) its graph: not timed
            stages = []
            for _ in range(2):
                start = time.perf_counter()
                src = matter.prepare(image)
                prepared = time.perf_counter()
                begun = matter.begin(src, prepared=True)
                middle = time.perf_counter()
                with torch.inference_mode():
                    matter.finish(begun).composite()
                stages.append((prepared - start, middle - prepared, time.perf_counter() - middle))
            prepare, first, second = (min(s[k] for s in stages) for k in range(3))
            return (max(first, second), prepare + first + second) if self._overlapped else prepare + first + second

        height, width = image.shape[:2]
        log.info("live: preparing the network for %dx%d (the first run at a size exports its graphs: "
                 "seconds; cached after)", width, height)
        began = time.monotonic()
        cores = min(os.cpu_count() or 1, 2) if self._overlapped else 1  # two stages use two cores at most
        outputs_ms = self._outputs_cost_ms(image)
        overhead_ms = self.options.overhead_ms + outputs_ms
        choice = quality.choose(self.options.quality, width, height, fps, frame_seconds, self.options.ratio, cores,
                                overhead_ms / 1000)
        shortfall = choice.shortfall(outputs_ms, self.options.overhead_ms)
        if shortfall is not None:
            log.warning("live: %s", shortfall)
        if self.adaptive is not None:
            prepare_ladder(session, image)
            self.adaptive.restart(width, height, choice.ratio)
        session.fixed_ratio = choice.ratio
        if choice.frame_ms is None:
            session.step(image)  # a mode without timing runs: export (or load) the graph before the clock starts
        matter.reset()
        self.stats.ratio, self.stats.chosen = choice.ratio, choice.mode
        self.stats.warmup_seconds += time.monotonic() - began
        log.info("live: %s", choice.describe(self.options.quality, session.runtime))

    def _outputs_cost_ms(self, image: np.ndarray) -> float:
        """CPU ms a frame the outputs will cost (a recording's encoder, timed on a scratch file), set
        aside by ``--quality auto`` (only where it chooses)."""
        if self.options.quality != "auto" or self.options.ratio is not None:
            return 0.0
        cost = sum(sink.cost_ms(image) for sink in self._sinks if hasattr(sink, "cost_ms"))
        if cost:
            log.info("live: the outputs cost %.0f ms of CPU a frame at %dx%d (a recording's encoder): "
                     "set aside from the network's budget", cost, image.shape[1], image.shape[0])
        return cost

    def _infer(self, matter: FrameMatter, inbox: Latest, midbox: Latest, fps: float, first: Captured | None) -> None:
        """Begin the newest frame, again and again; the quality is chosen anew when the size changes
        (``first``, already measured in the warm-up, sets the starting stream and size)."""
        from videomatte.io.shots import ShotStarts

        stream = getattr(first, "stream", None)
        size = first.image.shape[:2] if first is not None else None
        wait = self._waits()
        shots = ShotStarts(self.options.cuts)  # among the frames begun: a dropped frame is no cut
        try:
            while (item := inbox.take()) is not END:
                frame, src = item
                if frame.stream != stream:
                    matter.reset()
                    stream, shots = frame.stream, ShotStarts(self.options.cuts)
                if shots(frame.index, frame.image):
                    matter.cut()
                    self.stats.cuts += 1
                if frame.image.shape[:2] != size:
                    self._choose(matter, frame.image, fps)
                    size = frame.image.shape[:2]
                self._follow_quality(matter)
                begun = matter.begin(src, prepared=True)
                if midbox.put((begun, frame), wait=wait) is not None:
                    self.stats.dropped()
        finally:
            midbox.close()

    def _follow_quality(self, matter: FrameMatter) -> None:
        """Apply a step of the quality controller before the next frame begins (the state restarts)."""
        rung = self.adaptive.rung if self.adaptive is not None else None
        if rung is not None and rung.ratio != matter.session.fixed_ratio:
            matter.session.fixed_ratio = rung.ratio
            self.stats.ratio, self.stats.chosen = rung.ratio, rung.mode

    def _complete(self, matter: FrameMatter, midbox: Latest, sinks: list[Sink]) -> None:
        """Finish each begun frame in order (the refiner, subject selection, smoothing) and send it."""
        from videomatte.live.sinks import Outgoing

        def finished() -> Iterator[Outgoing]:
            while (item := midbox.take()) is not END:
                begun, frame = item
                yield Outgoing(matter.finish(begun), frame)

        try:
            self._send_all(finished(), sinks, self.options.max_frames)
        finally:
            midbox.close()  # a first half waiting to hand over (--no-pace) is released

    def _send_all(self, outgoing: Iterator, sinks: list, limit: int | None) -> None:
        from videomatte.live.sinks import Outgoing

        held = None
        for out in outgoing:
            if self.controls.paused and held is not None:
                out = Outgoing(held.result, out.captured, held._pictures)
            held = out
            for sink in sinks:
                sink.send(out)
            self.stats.processed(out.captured.captured)
            if self.controls.quit:
                self.stats.interrupted = True
            if self.controls.quit or (limit is not None and self.stats.frames_processed >= limit):
                self._finish.set()
                return

    def _watch(self, output: threading.Thread, inbox: Latest) -> None:
        deadline = None if self.options.duration is None else time.monotonic() + self.options.duration
        shown = 0.0
        try:
            while output.is_alive():
                output.join(0.1)
                now = time.monotonic()
                if self.adaptive is not None:
                    self.adaptive.tick(now)
                if self.options.readout and now - shown >= READOUT_EVERY:
                    print(f"\rvideomatte: live: {self.stats.readout()}", end="", file=sys.stderr, flush=True)
                    shown = now
                if self._finish.is_set() or (deadline is not None and now >= deadline):
                    self._finish.set()
                    inbox.close()
        except KeyboardInterrupt:
            self.stats.interrupted = True
        if self.options.readout:
            print(file=sys.stderr)

    def run(self) -> LiveStats:
        """Run until the source ends, a limit is reached, ``stop()``, a window's quit key or Ctrl-C."""
        import torch

        from videomatte.live.frame_matter import FrameMatter

        opts = self.options
        threads = torch.get_num_threads()
        with ExitStack() as stack:
            source = opts.make_source()  # first: a source that cannot be opened fails before the model loads
            stack.callback(source.close)
            fps = float(opts.fps or source.fps or 30.0)
            sinks = opts.make_sinks(fps, self.controls, lambda: matter)
            self._sinks = sinks
            for sink in sinks:  # a missing virtual camera device, too, is told before the model loads
                if getattr(source, "size", None) and hasattr(sink, "prepare"):
                    sink.prepare(*source.size)
                stack.callback(sink.close)  # no-ops after _loop has closed them
            session = self.session if self.session is not None else opts.make_session()
            self.session = session
            matter = FrameMatter(session, opts.background, opts.mirror, opts.smooth)
            self.matter = matter  # background and mirror may be changed from other threads while it runs
            stack.callback(matter.close)
            self.stats.backend = session.backend.name
            if opts.quality == "auto" and opts.ratio is None and not self._waits():  # unpaced: no rate to hold
                self.adaptive = AdaptiveQuality(self.stats, fps, opts.control)
            self._overlapped = session.overlap_stages(True)
            stack.callback(session.overlap_stages, False)
            if session.backend.name in ("onnxruntime", "auto"):
                torch.set_num_threads(1)  # torch only composes: leave the cores to onnxruntime
            stack.callback(torch.set_num_threads, threads)
            frames = iter(source)
            first = next(frames, None)
            if first is not None:
                self._choose(matter, first.image, fps)  # the warm-up: timing runs, graph exports
                getattr(source, "pacer", Pacer()).rebase()  # a file or pattern goes on from its 2nd frame
                frames = itertools.chain([dataclasses.replace(first, captured=time.monotonic())], frames)
            self._loop(frames, matter, sinks, fps, first)
        return self.stats

    def _loop(self, frames: Iterator[Captured], matter: FrameMatter, sinks: list[Sink], fps: float,
              first: Captured | None) -> None:
        stop = self._errors.stop
        inbox, midbox = Latest(stop), Latest(stop)
        self.stats.started = time.monotonic()
        workers = [self._spawn("begin", lambda: self._infer(matter, inbox, midbox, fps, first)),
                   self._spawn("finish", lambda: self._complete(matter, midbox, sinks))]
        capture = self._spawn("capture", lambda: self._capture(frames, inbox, matter))
        try:
            self._watch(workers[-1], inbox)
        finally:
            self._finish.set()
            inbox.close()
            for worker in workers:
                worker.join()
            capture.join(timeout=1.0)  # a camera read may block a moment; the thread is a daemon
            self.stats.frames_dropped = self.stats.frames_captured - self.stats.frames_processed
            error = self._errors.error
            for sink in sinks:
                sink.close(error)
                if hasattr(sink, "frames_written"):  # the recording, on its own thread
                    self.stats.frames_recorded, self.stats.record_wait_seconds = sink.frames_written, sink.waited_s
        if error is not None:
            raise error
