"""``--quality auto|high|fast``: the downsample ratio (and runtime) that holds the source's frame rate.

Like NVIDIA Maxine's quality and performance modes, each mode is a size for the picture the network's
encoder sees (its longest side); the guided-filter refiner always works at full resolution. ``auto``
times the network on the live frames, from the best mode down, and keeps the first that fits the frame
interval.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

# longest side of the encoder's picture per mode (high is conversion's default ratio, 512 / longest side)
MODES = {"high": 512, "balanced": 320, "fast": 256}
QUALITIES = ("auto", *MODES)
BUDGET_SHARE = 0.85  # of the frame interval: the capture and output stages share the cores


def mode_ratio(mode: str, width: int, height: int) -> float:
    """The downsample ratio of ``mode`` for a ``width x height`` frame, in (0, 1]."""
    return min(MODES[mode] / max(width, height), 1.0)


@dataclass(frozen=True)
class Choice:
    """What the quality setting picked for one frame size.

    Attributes:
        ratio: the downsample ratio.
        mode: ``high``, ``balanced``, ``fast`` or ``fixed`` (a ``--ratio`` given).
        frame_ms: the measured time of one network call at that ratio (``None`` when not measured).
        budget_ms: the time a frame may take at the source's rate.
    """

    ratio: float
    mode: str
    frame_ms: float | None
    budget_ms: float

    def describe(self, quality: str, backend: str) -> str:
        """One line for the user: what was chosen and why."""
        timing = "" if self.frame_ms is None else f", {self.frame_ms:.0f} ms a frame for a {self.budget_ms:.0f} ms budget"
        return f"quality {quality}: {self.mode}, downsample ratio {self.ratio:.3g} on {backend}{timing}"


def choose(quality: str, width: int, height: int, fps: float,
           frame_seconds: Callable[[float], float], fixed_ratio: float | None = None) -> Choice:
    """The ratio for a new frame size.

    Args:
        quality: one of :data:`QUALITIES`.
        width, height: the frame size.
        fps: the source's frame rate (the budget is ``BUDGET_SHARE / fps``).
        frame_seconds: times one network call at a given ratio (only called by ``auto``).
        fixed_ratio: a ratio given by the user, which wins over every mode.
    """
    budget = BUDGET_SHARE / fps
    if fixed_ratio is not None:
        return Choice(fixed_ratio, "fixed", None, budget * 1000)
    if quality != "auto":
        return Choice(mode_ratio(quality, width, height), quality, None, budget * 1000)
    seen: set[float] = set()
    choice = None
    for mode in MODES:
        ratio = mode_ratio(mode, width, height)
        if ratio in seen:
            continue
        seen.add(ratio)
        choice = Choice(ratio, mode, frame_seconds(ratio) * 1000, budget * 1000)
        if choice.frame_ms <= choice.budget_ms:
            break
    return choice  # type: ignore[return-value]
