"""``LiveFeed``: one browser session's live matting, on the same engine as ``videomatte live``.

The page's request handler pushes each picture from the browser into a ``PushSource`` (newest picture
wins: one waiting at most) and takes back the newest composite that the engine has finished:

::

    browser ──JPEG──▶ handler ──push──▶ PushSource ─▶ LiveMatting: capture, begin ─▶ finish + composite
                        ▲                                                               │
                        └────────── newest finished composite (its own frame) ◀─────────┘

So the page gets the live loop's machinery: the quality mode chosen to hold the rate (the page's own
decoding and encoding counted, ``overhead_ms``), the network's two halves overlapped on two threads,
newest frame wins at every hand-over, and each matte composited with the frame it was computed from.
The handler does not wait for its own picture: it returns as soon as a newer composite than the last
one it returned is ready, while its picture is still being matted.
"""
from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from videomatte.errors import SubjectError
from videomatte.inference.model_settings import ModelSettings

if TYPE_CHECKING:
    from videomatte.inference.session import MattingSession
    from videomatte.live.loop import LiveMatting
    from videomatte.live.push import PushSource
    from videomatte.live.sources import Captured

STAMPS_KEPT = 64  # browser stamps remembered for pictures still in the loop


@dataclass(frozen=True)
class Shown:
    """A composite ready for the page.

    Attributes:
        serial: number of the composite in this feed (goes up by one per composite, across restarts).
        picture: the composite, ``uint8`` ``[H, W, 3]`` RGB.
        stamp: what the browser said about its picture (its capture time), echoed back; ``""`` if nothing.
        arrived: ``time.monotonic()`` when the picture reached the server.
        done: ``time.monotonic()`` when its composite was ready.
    """

    serial: int
    picture: np.ndarray
    stamp: str
    arrived: float
    done: float


class LiveFeed:
    """Live matting of one browser session's pictures (thread-safe).

    Args:
        session: the network session (kept across restarts, so graphs and weights load once).
        fps: the rate pictures are expected at (the quality choice's frame interval).
        quality: ``auto``, ``high``, ``balanced`` or ``fast`` (as ``videomatte live --quality``).
        background: as ``FrameMatter`` takes it; mirror: flip pictures before matting.
    """

    def __init__(self, session: MattingSession, fps: float = 30.0, quality: str = "auto",
                 background: str = "green", mirror: bool = False) -> None:
        self.session, self.fps = session, fps
        self.quality, self.background, self.mirror = quality, background, mirror
        self.overhead_ms = 0.0
        self.note = ""  # why a click chose nobody, until the next click
        self._ready = threading.Condition()
        self._engine: LiveMatting | None = None
        self._source: PushSource | None = None
        self._thread: threading.Thread | None = None
        self._size: tuple[int, int] | None = None
        self._stamps: dict[int, tuple[str, float]] = {}
        self._newest: Shown | None = None
        self._serial = 0
        self._error: BaseException | None = None
        self._kept_ratio: tuple[str, float] | None = None  # (mode, ratio) kept over a restart after an error
        self.done_times: deque[float] = deque(maxlen=60)
        self.latencies_ms: deque[float] = deque(maxlen=300)

    def push(self, picture: np.ndarray, stamp: str = "", arrived: float | None = None) -> None:
        """Hand in one ``uint8`` ``[H, W, 3]`` RGB picture; starts (or restarts) the loop when needed: on
        the first picture, a new size, a new quality, or after a failure (raised here, one time)."""
        arrived = time.monotonic() if arrived is None else arrived
        with self._ready:
            error, self._error = self._error, None
        if error is not None:
            self._recover(error)
        size = picture.shape[:2]
        if self._thread is None or not self._thread.is_alive() or size != self._size:
            self._start(size)
        assert self._source is not None
        index = self._source.push(picture, arrived)
        with self._ready:
            self._stamps[index] = (stamp, arrived)
            for old in [k for k in self._stamps if k <= index - STAMPS_KEPT]:
                del self._stamps[old]

    def _recover(self, error: BaseException) -> None:
        """A click on nobody ends the loop with a ``SubjectError``: everyone is matted again and the
        line is kept for the page; anything else is raised."""
        if not isinstance(error, SubjectError):
            raise error
        from videomatte.web.jobs import error_line

        self.session.set_subject(None)
        self.note = error_line(error)

    def _start(self, size: tuple[int, int]) -> None:
        from videomatte.live.live_options import LiveOptions
        from videomatte.live.loop import LiveMatting
        from videomatte.live.push import PushSource

        self.stop()
        if size != self._size:
            self._kept_ratio = None
        self._size, self._source = size, PushSource(self.fps)
        ratio = self._kept_ratio[1] if self._kept_ratio else None
        options = LiveOptions(source=self._source, fps=self.fps, quality=self.quality,
                              model=ModelSettings(downsample_ratio=ratio), background=self.background,
                              mirror=self.mirror, callback=self._finished, callback_picture="composite",
                              overhead_ms=self.overhead_ms)
        self._engine = LiveMatting(options, session=self.session)
        self._thread = threading.Thread(target=self._run, args=(self._engine,), name="web live", daemon=True)
        self._thread.start()

    def _run(self, engine: LiveMatting) -> None:
        try:
            engine.run()
        except BaseException as err:  # noqa: BLE001 - handed to the next push
            with self._ready:
                if engine is self._engine:
                    self._error = err
                    self._kept_ratio = self.choice or self._kept_ratio
                self._ready.notify_all()

    def _finished(self, picture: np.ndarray, captured: Captured) -> None:
        """The engine's output (its finishing thread): the composite of one picture."""
        done = time.monotonic()
        with self._ready:
            stamp, arrived = self._stamps.pop(captured.index, ("", captured.captured))
            self._serial += 1
            self._newest = Shown(self._serial, picture, stamp, arrived, done)
            self.done_times.append(done)
            self.latencies_ms.append((done - arrived) * 1000)
            self._ready.notify_all()

    def newest(self, after: int, timeout: float) -> Shown | None:
        """The newest composite if it is newer than serial ``after``, waiting up to ``timeout`` seconds
        for one; ``None`` if none came (or the loop stopped)."""
        def ready() -> bool:
            return self._error is not None or (self._newest is not None and self._newest.serial > after)

        with self._ready:
            self._ready.wait_for(ready, timeout)
            shown = self._newest
        return shown if shown is not None and shown.serial > after else None

    @property
    def choice(self) -> tuple[str, float] | None:
        """``(mode, ratio)`` the running loop chose (``None`` before its first frame)."""
        if self._kept_ratio is not None:
            return self._kept_ratio
        stats = self._engine.stats if self._engine is not None else None
        if stats is None or stats.ratio is None:
            return None
        return stats.chosen, stats.ratio

    @property
    def fps_out(self) -> float:
        """Composites per second over the last ones."""
        times = list(self.done_times)
        return (len(times) - 1) / max(times[-1] - times[0], 1e-9) if len(times) >= 2 else 0.0

    def latency_ms(self) -> tuple[float, float]:
        """p50 and p95 of the server's part of the latency: a picture's arrival to its composite."""
        values = list(self.latencies_ms)
        if not values:
            return 0.0, 0.0
        p50, p95 = np.percentile(values, [50, 95])
        return float(p50), float(p95)

    def set_quality(self, quality: str) -> None:
        """A new quality mode: the loop restarts (and chooses again) at the next picture."""
        if quality != self.quality:
            self.quality, self._kept_ratio = quality, None
            self.stop()

    def set_look(self, background: str, mirror: bool) -> None:
        """The background and mirroring, applied to the running loop at once."""
        matter = self._engine.matter if self._engine is not None else None
        if background != self.background:
            if matter is not None:
                matter.background = background  # type: ignore[attr-defined]
            self.background = background
        if matter is not None:
            matter.mirror = mirror  # type: ignore[attr-defined]
        self.mirror = mirror

    def stop(self) -> None:
        """End the running loop (if any) and wait for it."""
        engine, source, thread = self._engine, self._source, self._thread
        self._engine = self._source = self._thread = None
        if engine is not None:
            engine.stop()
        if source is not None:
            source.close()
        if thread is not None:
            thread.join(timeout=10)

    close = stop


def feed_report(feed: LiveFeed, size: tuple[int, int], frames: int) -> str:
    """The server's status line: ``**quality auto: fast**, ratio 0.4 · matted 29.8 fps · server 38 ms
    (p95 52 ms) · 640x360 · 57 frames`` (``size``: width, height; ``frames``: composites sent), with
    the feed's note (why a click chose nobody) under it."""
    choice = feed.choice
    if choice is None:
        return (f"Preparing the network for {size[0]}x{size[1]} (the first time at a size exports its "
                "graphs: seconds)")
    mode, ratio = choice
    p50, p95 = feed.latency_ms()
    line = (f"**quality {feed.quality}: {mode}**, ratio {ratio:.3g} · matted {feed.fps_out:.1f} fps · "
            f"server {p50:.0f} ms (p95 {p95:.0f} ms) · {size[0]}x{size[1]} · {frames} frames")
    return f"{line}\n\n{feed.note}" if feed.note else line
