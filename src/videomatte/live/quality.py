"""``--quality auto|high|fast``: the downsample ratio (and runtime) that holds the source's frame rate.

Like NVIDIA Maxine's quality and performance modes, each mode is a size for the picture the network's
encoder sees (its longest side); the guided-filter refiner always works at full resolution. ``auto``
times a live frame's path (the input's conversion, the network's halves, the composite), from the best
mode down, and keeps the first that fits: its slowest stage within ``BUDGET_SHARE`` of the frame
interval, and the CPU time of all its stages, plus what the outputs cost (``overhead_s``), within
``CPU_SHARE`` of what the cores give in a frame interval (the rest is for capture and the outputs'
rendering; a loop that keeps the cores busier drops frames and lags whenever anything else runs).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

# longest side of the encoder's picture per mode (high is conversion's default ratio, 512 / longest side)
# 192 (ratio 0.15 at 720p) was tried and dropped: a ratio off the whole-number upsampling factors made the
# refiner's full-resolution work slower, so the frame took as long as at 0.2, with twice the |Δα| (bench_live)
# ``lowest`` (160 px, ratio 1/8 at 720p) is never picked by the warm-up's timing of the network alone
# (``WARMUP_MODES``), only where the loop's other costs are counted too (``overhead_s``: a web page's
# transport, a recording's encoder), or by the running controller, when the whole loop (a recording's
# encoder included) cannot hold the rate at ``fast``; at 720p it takes the network's two halves from 44.5
# to 27 ms of CPU a frame (Xeon, one thread each), at a larger cost in the matte (docs/live.md)
MODES = {"high": 512, "balanced": 320, "fast": 256, "lowest": 160}
WARMUP_MODES = ("high", "balanced", "fast")
QUALITIES = ("auto", *MODES)
BUDGET_SHARE = 0.85  # of the frame interval, for the slowest stage
CPU_SHARE = 0.7  # of the cores' time in a frame interval, for the network's stages together
SNAP = 0.1  # how far (relative) a mode's ratio may move to reach a whole-number upsampling factor


def mode_ratio(mode: str, width: int, height: int) -> float:
    """The downsample ratio of ``mode`` for a ``width x height`` frame, in (0, 1].

    Below ``high`` (conversion's ratio, kept as it is), a ratio within ``SNAP`` of ``1/n`` becomes
    ``1/n``: the refiner then upsamples by a whole number, which onnxruntime runs in its blocked layout.
    At 1920x1080, ``fast`` (256 px, 0.133, a factor of 7.5) became 0.125: the network's second half took
    31 ms instead of 58 on one thread, the first 27 instead of 33 (2-core AVX2 machine)."""
    ratio = min(MODES[mode] / max(width, height), 1.0)
    if mode != "high" and ratio < 0.5:
        whole = 1.0 / round(1.0 / ratio)
        if abs(whole - ratio) <= SNAP * ratio:
            return whole
    return ratio


@dataclass(frozen=True)
class Choice:
    """What the quality setting picked for one frame size.

    Attributes:
        ratio: the downsample ratio.
        mode: ``high``, ``balanced``, ``fast`` or ``fixed`` (a ``--ratio`` given).
        frame_ms: the measured time of the network's slowest stage at that ratio (``None`` when not measured).
        budget_ms: the time that stage may take at the source's rate.
        cpu_ms: the measured CPU time of all the network's stages for one frame (``None``: not measured).
        cpu_budget_ms: what the cores may spend on them in a frame interval.
    """

    ratio: float
    mode: str
    frame_ms: float | None
    budget_ms: float
    cpu_ms: float | None = None
    cpu_budget_ms: float = float("inf")

    @property
    def fits(self) -> bool:
        """Whether the measured times are within both budgets."""
        return self.frame_ms is not None and self.frame_ms <= self.budget_ms and \
            (self.cpu_ms or 0.0) <= self.cpu_budget_ms

    def shortfall(self, outputs_ms: float = 0.0, other_ms: float = 0.0) -> str | None:
        """One line for the user where the chosen mode was measured and still does not fit (frames will be
        dropped), naming what takes the time; ``outputs_ms``: the CPU a frame the outputs cost (a
        recording's encoder), ``other_ms`` the loop's other costs (a web page's transport), both already
        taken from ``cpu_budget_ms``. ``None`` where it fits or was not timed."""
        if self.frame_ms is None or self.fits:
            return None
        if self.frame_ms > self.budget_ms:
            need = f"the network's slowest stage takes {self.frame_ms:.0f} ms a frame for {self.budget_ms:.0f} ms"
        else:
            parts = [("the network", self.cpu_ms or 0.0), ("the outputs", outputs_ms), ("the rest", other_ms)]
            named = ", ".join(f"{name} {ms:.0f}" for name, ms in parts if ms)
            need = (f"the loop needs {sum(ms for _, ms in parts):.0f} ms of CPU a frame ({named}) where the "
                    f"cores give {self.cpu_budget_ms + outputs_ms + other_ms:.0f}")
        advice = "a cheaper recording (.mp4 costs the least) or " if outputs_ms else ""
        return (f"even at {self.mode} (ratio {self.ratio:.3g}) {need}: frames will be dropped; "
                f"{advice}a smaller --size or --fps would fit")

    def describe(self, quality: str, backend: str) -> str:
        """One line for the user: what was chosen and why."""
        timing = "" if self.frame_ms is None else f", {self.frame_ms:.0f} ms a frame for a {self.budget_ms:.0f} ms budget"
        if self.cpu_ms is not None and self.cpu_ms != self.frame_ms:
            timing += f" ({self.cpu_ms:.0f} ms of CPU for {self.cpu_budget_ms:.0f})"
        return f"quality {quality}: {self.mode}, downsample ratio {self.ratio:.3g} on {backend}{timing}"


def choose(quality: str, width: int, height: int, fps: float,
           frame_seconds: Callable[[float], float | tuple[float, float]], fixed_ratio: float | None = None,
           cores: int = 1, overhead_s: float = 0.0) -> Choice:
    """The ratio for a new frame size.

    Args:
        quality: one of :data:`QUALITIES`.
        width, height: the frame size.
        fps: the source's frame rate.
        frame_seconds: times one frame at a given ratio (only called by ``auto``): the seconds of its
            slowest stage, or ``(slowest stage, all stages together)`` when stages overlap on several cores.
        fixed_ratio: a ratio given by the user, which wins over every mode.
        cores: the cores the stages share (for the CPU budget).
        overhead_s: CPU seconds each frame costs outside the network's stages on those cores (a web
            page's decoding and encoding, a recording's encoder), taken from the CPU budget; where it is
            counted, ``lowest`` is tried too when no other mode fits.
    """
    budget = BUDGET_SHARE / fps
    if fixed_ratio is not None:
        return Choice(fixed_ratio, "fixed", None, budget * 1000)
    if quality != "auto":
        return Choice(mode_ratio(quality, width, height), quality, None, budget * 1000)
    seen: set[float] = set()
    choice = None
    # with the loop's other costs counted the timing speaks for the whole loop, so it may start at lowest
    for mode in WARMUP_MODES + ("lowest",) * (overhead_s > 0):
        ratio = mode_ratio(mode, width, height)
        if ratio in seen:
            continue
        seen.add(ratio)
        timed = frame_seconds(ratio)
        critical, total = timed if isinstance(timed, tuple) else (timed, None)
        choice = Choice(ratio, mode, critical * 1000, budget * 1000, None if total is None else total * 1000,
                        (CPU_SHARE * cores / fps - overhead_s) * 1000)
        if choice.fits:
            break
    return choice  # type: ignore[return-value]
