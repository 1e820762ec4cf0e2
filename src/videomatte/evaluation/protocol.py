"""Which metrics to compute and how: per-frame accumulation over a clip, and averaging over clips.

Aggregation follows the original scripts: a clip's score is the mean over its frames; the overall score
is the mean over frame indices of the mean over clips at that index (the plain mean of all frames when
every clip has the same length).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from videomatte.evaluation import metrics

METRICS = ("mad", "mse", "grad", "conn", "dtssd", "fgr_mad", "fgr_mse")
FGR_METRICS = ("fgr_mad", "fgr_mse")


@dataclass(frozen=True)
class Protocol:
    """Evaluation settings.

    Attributes:
        metrics: names out of :data:`METRICS`.
        grad_normalise: min-max normalise mattes before Grad (the low-resolution script) or not (high).
        dtssd_first_frame: ``"zero"`` (original: frame 0 scores 0 and is averaged in) or ``"skip"``.
    """

    metrics: tuple[str, ...] = METRICS
    grad_normalise: bool = True
    dtssd_first_frame: str = "zero"

    def __post_init__(self) -> None:
        unknown = [m for m in self.metrics if m not in METRICS]
        if unknown:
            raise ValueError(f"unknown metric(s) {unknown}; choose from {', '.join(METRICS)}")
        if self.dtssd_first_frame not in metrics.DTSSD_FIRST_FRAME:
            raise ValueError(f"dtssd_first_frame must be one of {metrics.DTSSD_FIRST_FRAME}")


PROTOCOLS = {
    # evaluate_lr: 512x288 and image sets; Grad on min-max normalised mattes; Conn included.
    "lr": Protocol(),
    # evaluate_hr: 1920x1080; Grad on raw mattes; no Conn (too slow at this size).
    "hr": Protocol(metrics=tuple(m for m in METRICS if m != "conn"), grad_normalise=False),
}


@dataclass
class ClipScores:
    """Per-frame values of one clip: ``values[name]`` ``[T]`` with ``valid[name]`` ``[T]`` telling which
    frames count (frame 0 for ``dtssd`` with ``"skip"``, frames without foreground for the fgr metrics)."""

    name: str
    values: dict[str, np.ndarray] = field(default_factory=dict)
    valid: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def frames(self) -> int:
        return max((len(v) for v in self.values.values()), default=0)

    def mean(self, name: str) -> float:
        """Mean over the valid frames; 0.0 when no frame counts."""
        mask = self.valid[name]
        return float(self.values[name][mask].mean()) if mask.any() else 0.0


class ClipAccumulator:
    """Feeds a clip chunk by chunk; keeps only the previous frame (for dtSSD) between chunks."""

    def __init__(self, name: str, protocol: Protocol = PROTOCOLS["lr"]) -> None:
        self.protocol = protocol
        self._scores = ClipScores(name)
        self._parts: dict[str, list[np.ndarray]] = {}
        self._masks: dict[str, list[np.ndarray]] = {}
        self._prev: tuple[np.ndarray, np.ndarray] | None = None
        self._with_fgr: bool | None = None

    def update(
        self,
        pred_pha: np.ndarray,
        true_pha: np.ndarray,
        pred_fgr: np.ndarray | None = None,
        true_fgr: np.ndarray | None = None,
    ) -> None:
        """Add frames: mattes ``[T, H, W]``, foregrounds ``[T, H, W, 3]`` (uint8 or float in [0, 1])."""
        p, t = metrics.as_unit(pred_pha), metrics.as_unit(true_pha)
        if p.shape != t.shape or p.ndim != 3:
            raise ValueError(f"mattes must be [T, H, W] of one shape, got {p.shape} and {t.shape}")
        with_fgr = pred_fgr is not None and true_fgr is not None
        if self._with_fgr is not None and with_fgr != self._with_fgr:
            raise ValueError(f"clip {self._scores.name}: foregrounds given for some frames but not others")
        self._with_fgr = with_fgr
        everything = np.ones(len(p), dtype=bool)
        for name in self.protocol.metrics:
            if name in FGR_METRICS:
                if with_fgr:
                    fn = metrics.fgr_mad if name == "fgr_mad" else metrics.fgr_mse
                    self._add(name, fn(pred_fgr, true_fgr, t), metrics.foreground_pixels(t) > 0)
            elif name == "dtssd":
                self._add(name, *self._dtssd(p, t))
            elif name == "grad":
                self._add(name, metrics.grad(p, t, normalise=self.protocol.grad_normalise), everything)
            else:
                self._add(name, getattr(metrics, name)(p, t), everything)
        self._prev = (p[-1], t[-1])

    def _dtssd(self, p: np.ndarray, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        valid = np.ones(len(p), dtype=bool)
        if self._prev is None:
            first = np.zeros(1)
            valid[0] = self.protocol.dtssd_first_frame == "zero"
        else:
            first = metrics.dtssd(p[:1], t[:1], self._prev[0][None], self._prev[1][None])
        rest = metrics.dtssd(p[1:], t[1:], p[:-1], t[:-1])
        return np.concatenate([first, rest]), valid

    def _add(self, name: str, values: np.ndarray, valid: np.ndarray) -> None:
        self._parts.setdefault(name, []).append(np.asarray(values, dtype=np.float64))
        self._masks.setdefault(name, []).append(np.asarray(valid, dtype=bool))

    def result(self) -> ClipScores:
        """The clip's per-frame scores so far."""
        for name, parts in self._parts.items():
            self._scores.values[name] = np.concatenate(parts)
            self._scores.valid[name] = np.concatenate(self._masks[name])
        return self._scores


def overall(clips: list[ClipScores]) -> dict[str, float]:
    """Mean over frame indices of the mean over clips at that index, per metric present in any clip."""
    names = [m for m in METRICS if any(m in c.values for c in clips)]
    result = {}
    for name in names:
        longest = max(len(c.values[name]) for c in clips if name in c.values)
        total, count = np.zeros(longest), np.zeros(longest)
        for clip in clips:
            if name in clip.values:
                v, ok = clip.values[name], clip.valid[name]
                total[: len(v)] += np.where(ok, v, 0.0)
                count[: len(v)] += ok
        present = count > 0
        result[name] = float((total[present] / count[present]).mean()) if present.any() else 0.0
    return result
