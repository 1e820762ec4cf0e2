"""Decoding ahead: a thread that reads frames into a small queue while the caller works on earlier ones.

A segment's warm-up frames are decoded and matted one after the other in the worker's own thread; with
the decoding done ahead, the network (a GPU, or its emulation) waits for no decoder there either. Items
cross the queue in groups: a hand-over between threads (a lock, often a switch of threads) costs about
as much CPU as decoding a small frame, so it is paid once per group, not once per frame.
"""
from __future__ import annotations

import queue
import threading
from collections import deque
from collections.abc import Iterator
from typing import TypeVar

Item = TypeVar("Item")
POLL = 0.05  # seconds between checks of the stop flag while the queue is full
_END = object()


class Prefetch(Iterator[Item]):
    """Iterates over ``items`` (consumed by a daemon thread, at most ``depth`` groups of ``group`` items
    ahead); :meth:`close` stops the thread, which also stops at the first error and hands it to the
    caller (after the items read before it)."""

    def __init__(self, items: Iterator[Item], depth: int = 1, group: int = 8) -> None:
        self._queue: queue.Queue = queue.Queue(maxsize=depth)
        self._ready: deque = deque()
        self._group = group
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._fill, args=(items,), name="prefetch", daemon=True)
        self._thread.start()

    def _put(self, item: object) -> bool:
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=POLL)
                return True
            except queue.Full:
                continue
        return False

    def _fill(self, items: Iterator[Item]) -> None:
        group: list = []
        try:
            for item in items:
                group.append(item)
                if len(group) == self._group:
                    if not self._put(group):
                        return
                    group = []
        except BaseException as err:  # noqa: BLE001 - raised again in the caller's thread
            self._put([*group, err])
            return
        self._put([*group, _END])

    def __next__(self) -> Item:
        if not self._ready:
            self._ready.extend(self._queue.get())
        item = self._ready[0]
        if item is _END:
            raise StopIteration  # left in place: later calls end too
        self._ready.popleft()
        if isinstance(item, BaseException):
            raise item
        return item

    def close(self) -> None:
        """Stop reading ahead and wait for the thread (before the source is closed)."""
        self._stop.set()
        self._thread.join()
