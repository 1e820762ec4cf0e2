"""Signals while a command runs: SIGTERM and SIGHUP (a job scheduler, ``timeout``, a closed terminal)
stop it as Ctrl-C does, and a second signal while it is stopping ends it at once.

The first SIGINT, SIGTERM or SIGHUP raises a ``KeyboardInterrupt`` (:class:`Terminated` for the last two)
in the main thread, so every writer's ``__exit__`` removes its partial output on the way out and the
command exits ``128 + signal``. Stopping may wait for a decoder or an encoder to let go; a second signal
in that time (a user pressing Ctrl-C again, ``timeout -k``, a service manager) deletes this process's
partial outputs (``io.partials.remove_own_partials``), prints one line and exits at once with that
signal's status (130 for SIGINT, 143 for SIGTERM), without a traceback. The second-signal handlers stay
in place after the block, until the process ends.
"""
from __future__ import annotations

import os
import signal
import threading
from contextlib import contextmanager
from types import FrameType
from typing import Iterator

from videomatte.io.partials import remove_own_partials

NAMES = ("SIGINT", "SIGTERM", "SIGHUP")


class Terminated(KeyboardInterrupt):
    """The process was asked to stop by ``signum``."""

    def __init__(self, signum: int) -> None:
        super().__init__(f"signal {signum}")
        self.signum = signum


def _end_now(signum: int, frame: FrameType | None) -> None:
    """A signal while stopping: no more unwinding, nothing left behind."""
    remove_own_partials()
    os.write(2, f"videomatte: stopped at once by signal {signum} (a second signal while stopping)\n".encode())
    os._exit(128 + signum)


def _first(signum: int, frame: FrameType | None) -> None:
    for number in _numbers():
        signal.signal(number, _end_now)
    if signum == signal.SIGINT:
        raise KeyboardInterrupt
    raise Terminated(signum)


def _numbers() -> list[int]:
    return [number for number in (getattr(signal, name, None) for name in NAMES) if number is not None]


@contextmanager
def terminate_as_interrupt() -> Iterator[None]:
    """Within the block, the first SIGINT/SIGTERM/SIGHUP raises a ``KeyboardInterrupt`` and any further
    one ends the process at once; the previous handlers come back after a block that was not
    interrupted. Only in the main thread (elsewhere, such as inside a server thread, a no-op)."""
    previous = {}
    if threading.current_thread() is threading.main_thread():
        for number in _numbers():
            previous[number] = signal.signal(number, _first)
    try:
        yield
    finally:
        for number, handler in previous.items():
            if signal.getsignal(number) is _first:  # an interrupted block keeps _end_now to the end
                signal.signal(number, handler)
