"""``PushSource``: a live source fed from another thread (a web page's pictures), newest picture wins.

The live engine's capture thread iterates it like a camera; whoever receives the pictures (the web
page's request handler) calls ``push``. One picture waits at most: a picture pushed while the previous
one is still waiting replaces it (counted in ``dropped``), so a slow network never builds up a queue
of stale pictures between the browser and the loop.
"""
from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import numpy as np

from videomatte.live.slots import END, Latest
from videomatte.live.sources import Captured


class PushSource:
    """Pictures handed in by ``push`` (``uint8`` ``[H, W, 3]`` RGB), yielded as :class:`Captured`.

    Args:
        fps: the rate the pictures are expected at (the quality choice's frame interval).
    """

    def __init__(self, fps: float = 30.0) -> None:
        self.fps = float(fps)
        self._slot = Latest(threading.Event())
        self._lock = threading.Lock()
        self._next = 0
        self.dropped = 0

    def push(self, image: np.ndarray, captured: float | None = None) -> int:
        """Offer a picture (``captured``: its ``time.monotonic()`` arrival, default now); returns the index
        it is known by (``Captured.index``, also on the matted result). A picture still waiting is dropped."""
        with self._lock:
            index, self._next = self._next, self._next + 1
        frame = Captured(image, index, time.monotonic() if captured is None else captured)
        if self._slot.put(frame) is not None:
            with self._lock:
                self.dropped += 1
        return index

    def __iter__(self) -> Iterator[Captured]:
        while (frame := self._slot.take()) is not END:
            yield frame  # type: ignore[misc]

    def close(self) -> None:
        """No more pictures: the iteration ends once the waiting one (if any) is taken."""
        self._slot.close()
