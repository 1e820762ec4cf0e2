"""``Latest``: a one-item hand-over between two threads where the newest item wins.

A producer that outruns its consumer replaces the waiting item (the replaced one is counted as dropped)
instead of queueing it, so a slow stage never builds up lag. With ``wait=True`` the producer waits for
the consumer instead (``--no-pace``: every frame is taken, none dropped).
"""
from __future__ import annotations

import threading

from videomatte.conversion.threads import POLL
from videomatte.errors import Stopped

END = object()  # what ``take`` returns once the producer has closed the slot and the last item is taken


class Latest:
    """Holds at most one item.

    Args:
        stop: an event that, once set, makes every blocking call raise ``Stopped``.
    """

    def __init__(self, stop: threading.Event) -> None:
        self._stop = stop
        self._ready = threading.Condition()
        self._item: object = None
        self._full = False
        self._closed = False
        self.dropped = 0

    def put(self, item: object, wait: bool = False) -> object | None:
        """Offer ``item``; returns the unconsumed item it replaced (now dropped), else ``None``.

        With ``wait`` it blocks until the previous item has been taken and never drops. After ``close``
        the item is ignored (the consumer has been told the stream is over).
        """
        with self._ready:
            while wait and self._full and not self._closed:
                if self._stop.is_set():
                    raise Stopped()
                self._ready.wait(POLL)
            if self._closed:
                return None
            replaced = self._item if self._full else None
            if self._full:
                self.dropped += 1
            self._item, self._full = item, True
            self._ready.notify_all()
        return replaced

    def take(self) -> object:
        """The newest item, waiting for one; :data:`END` after ``close`` once nothing is left."""
        with self._ready:
            while not self._full:
                if self._closed:
                    return END
                if self._stop.is_set():
                    raise Stopped()
                self._ready.wait(POLL)
            item, self._item, self._full = self._item, None, False
            self._ready.notify_all()
        return item

    def close(self) -> None:
        """No more items will come; ``take`` returns :data:`END` once the slot is empty."""
        with self._ready:
            self._closed = True
            self._ready.notify_all()
