"""Threads joined by bounded queues: decoding, inference and encoding overlap, memory stays flat.

A :class:`Pipeline` owns a stop flag shared by its threads. The first error in any thread sets it,
every blocking ``put``/``get`` notices within ``POLL`` seconds, and :meth:`Pipeline.join` re-raises
that error in the calling thread.
"""
from __future__ import annotations

import queue
import threading
from typing import Callable, Iterable

from videomatte.errors import Stopped

POLL = 0.05
END = object()  # the item that tells a consumer its stream is over


class Pipeline:
    """Starts stages and carries the first error out of them."""

    def __init__(self) -> None:
        self.stop = threading.Event()
        self.error: BaseException | None = None
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()

    def fail(self, error: BaseException) -> None:
        """Record the first error and ask every stage to stop."""
        with self._lock:
            if self.error is None and not isinstance(error, Stopped):
                self.error = error
        self.stop.set()

    def channel(self, size: int) -> "Channel":
        """A bounded queue whose blocking calls give up when the pipeline stops."""
        return Channel(self, size)

    def start(self, name: str, target: Callable[[], None]) -> None:
        """Run ``target`` in a daemon thread; its exception fails the pipeline."""
        def guarded() -> None:
            try:
                target()
            except BaseException as err:  # noqa: BLE001 - carried to join()
                self.fail(err)

        thread = threading.Thread(target=guarded, name=name, daemon=True)
        self._threads.append(thread)
        thread.start()

    def join(self) -> None:
        """Wait for every stage; raise the first error any of them met."""
        for thread in self._threads:
            thread.join()
        if self.error is not None:
            raise self.error


class Channel:
    """A bounded FIFO between two stages."""

    def __init__(self, pipeline: Pipeline, size: int) -> None:
        self._pipeline = pipeline
        self._queue: queue.Queue = queue.Queue(maxsize=size)

    def put(self, item: object) -> None:
        """Block until there is room (raises :class:`Stopped` if the pipeline stops meanwhile)."""
        while True:
            if self._pipeline.stop.is_set():
                raise Stopped()
            try:
                self._queue.put(item, timeout=POLL)
                return
            except queue.Full:
                continue

    def get(self) -> object:
        """Block until an item arrives (raises :class:`Stopped` if the pipeline stops meanwhile)."""
        while True:
            if self._pipeline.stop.is_set():
                raise Stopped()
            try:
                return self._queue.get(timeout=POLL)
            except queue.Empty:
                continue

    def __iter__(self) -> Iterable[object]:
        """Items until :data:`END`."""
        while (item := self.get()) is not END:
            yield item
