"""Subject selection: keep one person (or a chosen few) of the network's matte, frame after frame.

The network mattes every person it sees. :class:`SubjectTracker` splits each frame's alpha into person
regions (connected components above a low threshold; on the first frame a region of people standing
side by side is cut between their heads), picks on the first frame the people the
:class:`~videomatte.subject.prompt.SubjectPrompt` points at, and follows them:

* every region of the new frame takes the label (chosen person or other person) of the previous
  frame's people within the motion radius, each chosen person's mask first moved by its own velocity;
* a region holding several people (touching, crossing) is split by the nearest of those labels, then
  by their colours and where each pixel moved from (:mod:`.colour`, :mod:`.carry`);
* a region that comes from nobody (a person entering) is another person, never the subject, except
  when a chosen person has been lost and it appears near where they were last seen: then it is them.

The output alpha is the network's alpha times a weight: 1 where the nearest person is a chosen one,
0 where it is another, blurred across the border (soft hair and motion blur stay as the network made
them). A subject out of sight gets alpha zero until they come back near where they left.
"""
from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from scipy import ndimage
from torch import Tensor

from videomatte.subject import regions
from videomatte.subject.boundary import contested_band, refine_weight
from videomatte.subject.carry import carry_split
from videomatte.subject.colour import ColourModels, colour_vote, drop_specks, gone, in_front, learn_apart
from videomatte.subject.pick import pick_people
from videomatte.subject.prompt import SubjectPrompt
from videomatte.subject.tracks import MOVING, Track, TrackerSettings, refresh_front, through_merge

__all__ = ["SubjectTracker", "Track", "TrackerSettings"]

FIRST_TRACK = 1
CENTRE_WEIGHT = 0.5  # merged region: a pixel inside two expected masks goes to the nearer centre (in radii)
SPECK = 0.01  # a person's piece under this share of a merged region, inside another's, is the other's
FRAGMENT = 0.1  # a region under this share of the largest person's area, next to a person, is part of them


class SubjectTracker:
    """Recurrent subject selection on the network's alpha; see the module docstring.

    Args:
        prompt: who to keep, as pointed at on the first frame after construction or :meth:`reset`.
        settings: tuning; the defaults suit footage of people from 360p to 4K.
    """

    def __init__(self, prompt: SubjectPrompt, settings: TrackerSettings = TrackerSettings()) -> None:
        self.prompt = prompt
        self.settings = settings
        self.reset()

    def reset(self) -> None:
        """Forget the people followed so far: the next frame is a first frame again."""
        self.frame = 0
        self._owner: np.ndarray | None = None
        self._tracks: dict[int, Track] = {}
        self._size: tuple[int, int] | None = None
        self._colours = ColourModels()
        self._codes: np.ndarray | None = None
        self._front: dict[int, np.ndarray] = {}  # this frame's people in front: their colour-decided pixels
        self._rgb = self._previous_rgb = None  # the frame's colours at working resolution, and the last one's

    @property
    def lost(self) -> bool:
        """Whether every chosen person is out of sight (the output alpha is zero then)."""
        chosen = [t for t in self._tracks.values() if t.chosen]
        return bool(chosen) and all(t.lost for t in chosen)

    def apply(self, pha: Tensor, src: Tensor | None = None) -> Tensor:
        """The network's alpha ``[T, 1, H, W]`` in 0..1 with everyone but the subject removed.

        ``src``, the frames ``[T, 3, H, W]`` in 0..1, lets people who overlap be told apart by their
        colours (``settings.colour``), and the cut between the subject and another person follow the
        frame's colour edges at full resolution (``settings.boundary``); without it they are split by
        position alone, at the working resolution.

        Raises:
            SubjectError: on a first frame, when the prompt points at no person.
        """
        size = (int(pha.shape[-2]), int(pha.shape[-1]))
        if size != self._size:
            self.reset()
            self._size = size
        work = self._work_size(size)
        small = F.interpolate(pha.float(), size=work, mode="area")[:, 0].cpu().numpy()
        colours = [None] * len(small)
        if src is not None and self.settings.colour:
            colours = F.interpolate(src.float(), size=work, mode="area").permute(0, 2, 3, 1).cpu().numpy()
        weights = np.stack([self.step(alpha, rgb) for alpha, rgb in zip(small, colours)])
        weight = torch.from_numpy(weights[:, None]).to(pha.device, pha.dtype)
        weight = F.interpolate(weight, size=size, mode="bilinear", align_corners=False).clamp_(0, 1)
        if src is not None and self.settings.boundary is not None:
            for index, (kept, alpha) in enumerate(zip(weights, small)):
                band = contested_band(kept, alpha, self.settings.boundary)
                weight[index, 0] = refine_weight(weight[index, 0], band, src[index], self.settings.boundary)
        return pha * weight

    def step(self, alpha: np.ndarray, rgb: np.ndarray | None = None) -> np.ndarray:
        """One frame at working resolution: alpha ``float32 [h, w]`` (and optionally the frame ``float32
        [h, w, 3]``, both in 0..1) in, weight ``float32 [h, w]`` out."""
        s = self.settings
        h, w = alpha.shape
        found, count = regions.person_regions(alpha, s.threshold, max(1, round(s.min_area * h * w)))
        self._codes = self._colours.codes(rgb) if rgb is not None and s.colour else None
        self._previous_rgb, self._rgb = self._rgb, (rgb if self._codes is not None else None)
        self._front = {}
        owner = self._first_owner(found, count) if self._owner is None else self._follow(found)
        self._update_tracks(owner)
        self._owner = owner
        if self._codes is not None:
            visible = [k for k, t in self._tracks.items() if not t.lost]
            learn_apart(self._colours, owner, alpha, self._codes, visible, regions.touching_labels(owner),
                        s.colour_margin * float(np.hypot(h, w)))
        self.frame += 1
        visible = [t.label for t in self._tracks.values() if t.chosen and not t.lost]
        if not visible:
            return np.zeros_like(alpha)
        if all(t.chosen for t in self._tracks.values() if not t.lost):
            return np.ones_like(alpha)  # nobody else in view: the whole matte is the subject's
        return regions.feathered_territory(owner, np.array(visible), s.feather)

    def _work_size(self, size: tuple[int, int]) -> tuple[int, int]:
        scale = min(1.0, self.settings.work_side / max(size))
        return max(1, round(size[0] * scale)), max(1, round(size[1] * scale))

    def _new_track(self, mask: np.ndarray, chosen: bool) -> int:
        label = max(self._tracks, default=FIRST_TRACK - 1) + 1
        self._tracks[label] = Track(label, chosen, np.zeros(2), mask, mask)
        return label

    def _first_owner(self, found: np.ndarray, count: int) -> np.ndarray:
        """Owner map of the first frame: one track per person, the ones the prompt picks chosen."""
        parts = [p for k in range(1, count + 1) for p in regions.split_side_by_side(found == k)]
        reach = self.settings.motion * float(np.hypot(*found.shape))
        people = regions.attach_fragments(parts, FRAGMENT, reach)
        chosen = pick_people(self.prompt, people, found.shape, self._size or found.shape, self.frame)
        owner = np.zeros(found.shape, np.int32)
        for person in people:
            owner[person] = self._new_track(person, chosen=False)
        for person in chosen:  # a mask may pick a piece of a person: it becomes a person of its own
            owner[person] = self._new_track(person, chosen=True)
        for label in set(self._tracks) - set(np.unique(owner).tolist()):
            del self._tracks[label]
        self._colours.reset()
        return owner

    def _follow(self, found: np.ndarray) -> np.ndarray:
        """Owner map of a later frame, from the people expected in it (see the module docstring)."""
        diagonal = float(np.hypot(*found.shape))
        reach = {k: self.settings.motion * diagonal + float(np.hypot(*t.velocity)) for k, t in self._tracks.items()}
        near = {k: regions.distance_to(t.mask, reach[k]) for k, t in self._tracks.items() if t.mask.any()}
        owner = np.zeros_like(found)
        for k, slices in enumerate(ndimage.find_objects(found), start=1):
            region = found[slices] == k
            local = {label: d[slices] for label, d in near.items()}
            labels = self._label_region(region, local, reach, slices, diagonal)
            owner[slices][region] = labels[region]
        return owner

    def _label_region(self, region: np.ndarray, near: dict[int, np.ndarray], reach: dict[int, float],
                      slices: tuple, diagonal: float) -> np.ndarray:
        """Labels of one region (inside its bounding box): one expected person, several, or none."""
        counts = {k: int(np.count_nonzero(d[region] <= reach[k])) for k, d in near.items()}
        total = sum(counts.values())
        present = [k for k, n in counts.items() if n > 0 and n >= self.settings.minor * total]
        if not present:
            return np.full(region.shape, self._newcomer(region, slices, diagonal), np.int32)
        if len(present) == 1:
            return np.full(region.shape, present[0], np.int32)
        self._fit(present, region, slices)
        near = {k: regions.distance_to(self._tracks[k].mask, reach[k])[slices] for k in present}
        rows, cols = np.indices(region.shape)
        rows, cols = rows + slices[0].start, cols + slices[1].start
        scores = []
        for k in present:
            mask = self._tracks[k].mask
            cx, cy = regions.centroid(mask)
            radius = max(1.0, float(np.sqrt(np.count_nonzero(mask) / np.pi)))
            scores.append(near[k] + CENTRE_WEIGHT * np.hypot(cols - cx, rows - cy) / radius)
        labels = np.asarray(present, np.int32)
        winner = np.argmin(scores, axis=0)
        if self._codes is not None and all(self._colours.knows(k) for k in present):
            grown = {k: self.settings.candidate * reach[k] for k in present}
            far = {k: near[k] if grown[k] <= reach[k] else  # ``near`` is exact up to ``reach``
                   regions.distance_to(self._tracks[k].mask, grown[k])[slices] for k in present}
            candidate = np.stack([far[k] <= grown[k] for k in present])
            winner = self._colour_split(present, winner, region, near, candidate, slices)
        return np.where(region, labels[winner], 0)

    def _colour_split(self, present: list[int], winner: np.ndarray, region: np.ndarray, near: dict,
                      candidate: np.ndarray, slices: tuple) -> np.ndarray:
        """The geometric split ``winner`` (indices into ``present``) corrected by colour: contested pixels
        whose colours clearly say whose they are; the rest of where the expected masks overlap to the
        one in front; and the part of a person not chosen whose colours have gone (they left, or are
        hidden) to the one whose colours are there."""
        by_colour, decided, anyone = colour_vote(self._colours, present, self._codes[slices], candidate,
                                                 self.settings.colour_sigma, self.settings.confident,
                                                 self.settings.colour_check)
        winner = np.where(decided, by_colour, winner)
        inside = np.stack([near[k] == 0 for k in present])
        front = in_front(by_colour, decided, inside)
        if front is not None:  # what colour leaves open where they overlap belongs to the one in front
            winner = np.where(~decided & inside[front] & (inside.sum(axis=0) >= 2), front, winner)
            self._front[present[front]] = np.zeros(self._owner.shape, bool)
            self._front[present[front]][slices] = decided & (by_colour == front)
        winner = self._carry(present, winner, decided, inside, region, slices)
        for index, k in enumerate(present):
            heir = None if self._tracks[k].chosen else gone(winner, decided, anyone, region, index)
            if heir is not None:
                winner = np.where((winner == index) & ~(decided & (by_colour == index)), heir, winner)
        speck = max(4, round(SPECK * np.count_nonzero(region)))
        return drop_specks(winner, region, len(present), speck)

    def _carry(self, present: list[int], winner: np.ndarray, decided: np.ndarray, inside: np.ndarray,
               region: np.ndarray, slices: tuple) -> np.ndarray:
        """``winner`` with the pixels colour left open that clearly moved with one person since the
        previous frame given to them (:mod:`videomatte.subject.carry`)."""
        s = self.settings
        if s.carry is None or self._previous_rgb is None:
            return winner
        frames = (self._previous_rgb, self._rgb, self._owner)
        return carry_split(frames, present, [self._tracks[k].velocity for k in present], slices, winner,
                           region & ~decided, inside, s.carry, s.carry_single, s.carry_search, s.carry_patch)

    def _fit(self, present: list[int], region: np.ndarray, slices: tuple) -> None:
        """Move the expected masks of the people sharing a region to fit it best (people slowing down,
        turning back); their velocities follow."""
        full = np.zeros(self._owner.shape, bool)
        full[slices] = region
        moves = regions.fit_shifts([self._tracks[k].mask for k in present], full)
        for k, (dx, dy) in zip(present, moves):
            track = self._tracks[k]
            if np.hypot(*track.velocity) >= MOVING:  # still people keep their own part (see tracks.through_merge)
                track.mask = regions.shift(track.mask, dx, dy)
                track.velocity = track.velocity + np.array([dx, dy], float)

    def _newcomer(self, region: np.ndarray, slices: tuple, diagonal: float) -> int:
        """The label of a region that comes from nobody: a lost chosen person coming back near where
        they were last seen, or else a new (never chosen) person."""
        part_of = self._fragment_of(region, slices, diagonal)
        if part_of is not None:
            return part_of
        radius = self.settings.return_radius * diagonal
        for track in self._tracks.values():
            if track.chosen and track.lost:
                if track.away is None:
                    track.away = ndimage.distance_transform_edt(~track.last_seen)
                if float(track.away[slices][region].min()) <= radius:
                    return track.label
        mask = np.zeros(self._owner.shape, bool)
        mask[slices] = region
        return self._new_track(mask, chosen=False)

    def _fragment_of(self, region: np.ndarray, slices: tuple, diagonal: float) -> int | None:
        """The visible person a small new region away from the frame's border lies next to (a hand or
        a tool the matte cut off), if any; people entering come through the border."""
        h, w = self._owner.shape
        if slices[0].start == 0 or slices[1].start == 0 or slices[0].stop == h or slices[1].stop == w:
            return None
        visible = [t for t in self._tracks.values() if not t.lost]
        largest = max((np.count_nonzero(t.last_seen) for t in visible), default=0)
        if np.count_nonzero(region) >= FRAGMENT * largest:
            return None
        reach = self.settings.motion * diagonal
        for track in visible:
            if float(regions.distance_to(track.mask, reach)[slices][region].min()) <= reach:
                return track.label
        return None

    def _update_tracks(self, owner: np.ndarray) -> None:
        """Velocity, expected mask and visibility of every person after this frame. A person out of
        sight keeps drifting with its (slowing) velocity; others are forgotten after
        ``settings.hidden_frames``, chosen ones are kept with where they were last seen."""
        touching = regions.touching_labels(owner)
        for track in list(self._tracks.values()):
            mask = owner == track.label
            if not mask.any():
                track.lost_for += 1
                if not track.chosen and track.lost_for > self.settings.hidden_frames:
                    del self._tracks[track.label]
                    self._colours.forget(track.label)
                track.velocity = track.velocity * 0.9
                track.mask = regions.shift(track.mask, *np.round(track.velocity).astype(int))
                continue
            if not track.lost and track.label in touching:
                if self.settings.refresh_front and track.label in self._front:
                    refresh_front(track, mask, self._front[track.label])
                    continue
                through_merge(track, mask)
                continue
            if not track.lost:
                step = regions.centroid(mask) - regions.centroid(track.last_seen)
                track.velocity = 0.5 * track.velocity + 0.5 * step
            track.last_seen, track.lost_for, track.away = mask, 0, None
            track.mask = regions.shift(mask, *np.round(track.velocity).astype(int))
