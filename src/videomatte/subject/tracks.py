"""The state and tuning of the subject tracker (:mod:`videomatte.subject.tracker`)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from videomatte.subject.boundary import BoundarySettings


@dataclass
class Track:
    """One person followed from frame to frame (chosen or not).

    Attributes:
        label: its value in the owner map.
        chosen: the user picked this person.
        velocity: ``(dx, dy)`` in working pixels per frame.
        mask: where it is expected in the next frame (its last mask moved by its velocity).
        last_seen: the mask where it was last seen.
        lost_for: frames it has been out of sight (0: visible).
        away: distance to ``last_seen``, computed once a chosen person is lost.
    """

    label: int
    chosen: bool
    velocity: np.ndarray
    mask: np.ndarray
    last_seen: np.ndarray
    lost_for: int = 0
    away: np.ndarray | None = None

    @property
    def lost(self) -> bool:
        return self.lost_for > 0


@dataclass(frozen=True)
class TrackerSettings:
    """Tuning of :class:`SubjectTracker` (working-resolution pixels unless said otherwise).

    Attributes:
        work_side: longest side of the working resolution.
        threshold: alpha above which a pixel belongs to a person region.
        min_area: regions smaller than this fraction of the frame are ignored (noise).
        motion: base motion radius as a fraction of the frame diagonal; the speed is added to it.
        return_radius: how near (fraction of the diagonal) to where a lost subject was last seen a new
            region must appear to be taken as the subject coming back.
        feather: blur (sigma, pixels) of the border between the subject's and others' territory.
        minor: an expected person covering less than this share of a region is dropped from it.
        hidden_frames: frames an unchosen person out of sight is still expected to reappear.
        colour: split merged people by colour models learned while they were apart (when the frames'
            colours are given); ``False``: by position alone.
        confident: posterior a person's colours need to win a contested pixel.
        candidate: a person may take a pixel of a merged region within this many motion radii of
            where they were expected.
        colour_sigma: pixels over which colour likelihoods are pooled.
        colour_check: a wider pooling (pixels) that must agree before colour decides a pixel (patterned
            clothes: a few pixels like the other person's colours do not bite into a sleeve); ``None``:
            ``colour_sigma``'s vote alone.
        colour_margin: fraction of the diagonal a person's learned pixels keep from anyone else's when
            they are side by side on the first frame.
        boundary: where the subject meets another person, the cut is decided again at the frame's
            own resolution along its colour edges (when the frames are given); ``None``: the
            working-resolution cut, scaled up.
    """

    work_side: int = 384
    threshold: float = 0.1
    min_area: float = 2e-4
    motion: float = 0.02
    return_radius: float = 0.08
    feather: float = 0.5
    minor: float = 0.02
    hidden_frames: int = 45
    colour: bool = True
    confident: float = 0.8
    candidate: float = 0.5
    colour_sigma: float = 0.5  # 1.5 before 2026-12-07, now the check: see docs/quality.md, "Subject boundaries"
    colour_check: float | None = 1.5
    colour_margin: float = 0.03
    boundary: BoundarySettings | None = BoundarySettings()
