"""``BackgroundSink``: a slow output (the recording's encoder) on a thread of its own, off the critical path.

The finishing thread hands each outgoing frame over and goes on to the next; the sink's thread renders
the picture it needs and encodes it. The hand-over is a bounded queue of ``QUEUE_FRAMES`` frames that
*waits* when full rather than dropping: a recording keeps every frame the user saw. If the encoder
cannot keep up for longer than the queue absorbs, the finishing thread waits for it, the frames
before it are superseded (counted as dropped, latency rises) and the quality controller
(``live.quality_control``) steps the ratio down, which frees the cores the encoder needs. The time the
finishing thread spent waiting is counted (``waited_s``).
"""
from __future__ import annotations

import queue
import threading
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from videomatte.live.sinks import Outgoing, Sink

QUEUE_FRAMES = 3  # about 100 ms at 30 fps: absorbs an encoder's slow frame (a key frame), holds 11 MB at 720p
_CLOSE = object()


class BackgroundSink:
    """Runs ``sink.send`` on its own thread, behind a queue of ``frames`` that waits when full.

    Args:
        sink: the output to feed (a :class:`videomatte.live.sinks.RecordSink`).
        frames: how many frames may wait for it.

    An error of the sink (a full disk) is raised from the next ``send`` or from ``close``; the frames
    after it are discarded so that the sender never waits on a dead thread.
    """

    def __init__(self, sink: Sink, frames: int = QUEUE_FRAMES) -> None:
        self.sink = sink
        self.frames_written = 0
        self.waited_s = 0.0
        self._queue: queue.Queue = queue.Queue(maxsize=frames)
        self._error: BaseException | None = None
        self._thread: threading.Thread | None = None

    def __getattr__(self, name: str) -> object:  # prepare, path, kind... of the sink inside
        if name == "sink":
            raise AttributeError(name)
        return getattr(self.sink, name)

    def _work(self) -> None:
        while (out := self._queue.get()) is not _CLOSE:
            if self._error is None:
                try:
                    self.sink.send(out)
                    self.frames_written += 1
                except BaseException as err:  # noqa: BLE001 - carried to the sender
                    self._error = err

    def send(self, out: Outgoing) -> None:
        """Queue one frame (waiting while ``frames`` are queued); raises an earlier error of the sink."""
        if self._error is not None:
            raise self._error
        if self._thread is None:
            self._thread = threading.Thread(target=self._work, name="live record", daemon=True)
            self._thread.start()
        try:
            self._queue.put_nowait(out)
        except queue.Full:
            began = time.perf_counter()
            self._queue.put(out)
            self.waited_s += time.perf_counter() - began

    @property
    def backlog(self) -> int:
        """Frames waiting for the sink now."""
        return self._queue.qsize()

    def close(self, error: BaseException | None = None) -> None:
        """Write what is queued (nothing more after ``error``), then close the sink with the run's error or its own."""
        thread, self._thread = self._thread, None
        if thread is not None:
            if error is not None:
                self._error = self._error or error  # the frames still queued are not written
            self._queue.put(_CLOSE)
            thread.join()
        own, self._error = self._error, None  # a second close is a no-op
        self.sink.close(error if error is not None else own)
        if error is None and own is not None:
            raise own
