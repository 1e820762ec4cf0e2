"""Frame samplers: which frame indices of a clip make one training sequence (rvm-facts §1.8)."""
from __future__ import annotations

import torch

DEFAULT_SPEEDS = (0.5, 1.0, 2.0, 3.0, 4.0, 5.0)


class TrainFrameSampler:
    """Random playback speed, random shift and 50 % time reversal.

    Offsets are ``int(t * speed)`` for ``t`` in ``0..T-1``, shifted by a random amount in ``[0, T)``;
    the dataset adds them to the sequence start and wraps modulo the clip length.

    Arguments:
        speeds (sequence of float): playback speeds drawn uniformly; YouTubeVIS uses ``(1,)``.
    """

    def __init__(self, speeds: tuple[float, ...] = DEFAULT_SPEEDS) -> None:
        if not speeds or min(speeds) <= 0:
            raise ValueError(f"frame sampler speeds must be positive, got {speeds!r}")
        self.speeds = tuple(float(s) for s in speeds)

    def __call__(self, length: int, generator: torch.Generator) -> list[int]:
        """Returns ``length`` non-negative frame offsets."""
        speed = self.speeds[int(torch.randint(len(self.speeds), (1,), generator=generator))]
        shift = int(torch.randint(length, (1,), generator=generator))
        offsets = [int(t * speed) + shift for t in range(length)]
        if torch.rand((), generator=generator) < 0.5:
            offsets.reverse()
        return offsets


class ValidFrameSampler:
    """Consecutive frames ``0..T-1``: validation sees the clip as it was shot."""

    def __call__(self, length: int, generator: torch.Generator | None = None) -> list[int]:
        """Returns ``[0, 1, ..., length - 1]``."""
        return list(range(length))
