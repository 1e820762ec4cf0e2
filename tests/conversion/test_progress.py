"""The conversion's progress counter: tqdm on a terminal, silent elsewhere, same interface."""
from __future__ import annotations

import io

from videomatte.conversion.progress import Progress


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_silent_when_the_stream_is_not_a_terminal() -> None:
    stream = io.StringIO()
    progress = Progress("clip.mp4", 5, stream=stream)
    progress.update(2)
    progress.update(3)
    progress.close()
    assert stream.getvalue() == ""
    assert progress.done == 5 and progress.fps > 0


def test_draws_frames_and_eta_on_a_terminal() -> None:
    stream = _Terminal()
    progress = Progress("clip.mp4", 5, stream=stream, interval=0)
    progress.update(2)
    progress.update(3)
    progress.close()
    last = stream.getvalue().split("\r")[-1]
    assert "clip.mp4  5/5 frames" in last and "frames/s" in last and "ETA" in last
    assert stream.getvalue().endswith("\n")


def test_disabled_draws_nothing_even_on_a_terminal() -> None:
    stream = _Terminal()
    progress = Progress("clip.mp4", 0, enabled=False, stream=stream)
    progress.update(4)
    progress.close()
    assert stream.getvalue() == "" and progress.done == 4
