"""SIGTERM and SIGHUP (a job scheduler, ``timeout``, a closed terminal) stop a command as Ctrl-C does:
they raise :class:`Terminated`, a ``KeyboardInterrupt``, in the main thread, so every writer's
``__exit__`` removes its partial output on the way out and the command exits ``128 + signal``."""
from __future__ import annotations

import signal
import threading
from contextlib import contextmanager
from types import FrameType
from typing import Iterator


class Terminated(KeyboardInterrupt):
    """The process was asked to stop by ``signum``."""

    def __init__(self, signum: int) -> None:
        super().__init__(f"signal {signum}")
        self.signum = signum


def _raise(signum: int, frame: FrameType | None) -> None:
    raise Terminated(signum)


@contextmanager
def terminate_as_interrupt() -> Iterator[None]:
    """Within the block, SIGTERM/SIGHUP raise :class:`Terminated`; the previous handlers come back
    after it. Only in the main thread (elsewhere, such as inside a server thread, a no-op)."""
    previous = {}
    if threading.current_thread() is threading.main_thread():
        for name in ("SIGTERM", "SIGHUP"):
            number = getattr(signal, name, None)
            if number is not None:
                previous[number] = signal.signal(number, _raise)
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
