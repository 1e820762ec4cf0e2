"""The state and tuning of the subject tracker (:mod:`videomatte.subject.tracker`)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from videomatte.subject import regions
from videomatte.subject.boundary import BoundarySettings

MOVING = 0.5  # working pixels per frame above which a person crossing another keeps its shape
FRONT_SLACK = 1  # working pixels the front person's carried shape may lie off what they own


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
        carry: inside a merged region, a pixel colour leaves open where two expected masks overlap goes
            to the person it moved with since the previous frame (:mod:`videomatte.subject.carry`) when
            that person's match costs under this share of everyone else's; ``None``: to the one in
            front, as before 2026-12-07.
        carry_single: the same, stricter, where one expected mask or none holds the pixel; ``None``:
            the geometry decides there.
        carry_search: pixels around each person's own motion searched for the match.
        carry_patch: half the side of the square of colours matched.
        refresh_front: the one in front of a merged region is expected where they were seen (see
            :func:`refresh_front`) instead of where their shape from before the merge goes.
    """

    work_side: int = 384
    threshold: float = 0.1
    min_area: float = 2e-4
    motion: float = 0.02
    return_radius: float = 0.08
    feather: float = 1.0  # 0.5 before 2026-12-07: see docs/quality.md, "Subject boundaries"
    minor: float = 0.02
    hidden_frames: int = 45
    colour: bool = True
    confident: float = 0.8
    candidate: float = 0.5
    colour_sigma: float = 0.5  # 1.5 before 2026-12-07, now the check: see docs/quality.md, "Subject boundaries"
    colour_check: float | None = 1.5
    colour_margin: float = 0.03
    boundary: BoundarySettings | None = BoundarySettings()
    carry: float | None = 0.85
    carry_single: float | None = 0.3
    carry_search: int = 2
    carry_patch: int = 1
    refresh_front: bool = True


def through_merge(track: Track, mask: np.ndarray) -> None:
    """A person inside a merged region (``mask``: what they own now): a moving one is expected where
    its shape from before the merge, carried on by its velocity, goes (people crossing); a still one
    where its part is."""
    track.last_seen = mask
    if np.hypot(*track.velocity) >= MOVING:
        track.velocity = track.velocity * 0.98
        track.mask = regions.shift(track.mask, *np.round(track.velocity).astype(int))
    else:
        track.velocity = track.velocity * 0.95
        track.mask = regions.shift(mask, *np.round(track.velocity).astype(int))


def refresh_front(track: Track, mask: np.ndarray, sure: np.ndarray) -> None:
    """The one in front of a merged region is seen whole, so their expected mask follows what they
    own (``mask``) instead of going stale: the part of it carried on that still lies on ``mask`` (an arm
    that moved away drops out) plus the pixels of ``mask`` their colours won this frame (``sure``: an
    arm that moved in), carried on by their velocity."""
    track.last_seen = mask
    track.velocity = track.velocity * 0.98
    kept = track.mask & ndimage.binary_dilation(mask, iterations=FRONT_SLACK)
    track.mask = regions.shift(kept | (mask & sure), *np.round(track.velocity).astype(int))
