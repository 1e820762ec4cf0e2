"""Ownership carried by each pixel's motion (subject/carry.py) and the front person's refreshed shape
(subject/tracks.py): unit checks, and two textured discs with the same colours crossing, where only
the motion of their grain tells whose each overlapping pixel is."""
from __future__ import annotations

import numpy as np
import torch

from videomatte.subject.carry import carried, carried_owners, match_costs
from videomatte.subject.prompt import SubjectPrompt
from videomatte.subject.tracker import SubjectTracker
from videomatte.subject.tracks import Track, TrackerSettings, refresh_front

H, W = 120, 240


def test_each_pixel_matches_the_person_it_moved_with():
    """Left half person 1 (moves 2 px right), right half person 2 (still), each with its own grain."""
    rng = np.random.default_rng(1)
    grain = rng.random((H, W + 10, 3)).astype(np.float32)
    previous = grain[:, 5:W + 5].copy()
    owner = np.zeros((H, W), np.int32)
    owner[:, :W // 2], owner[:, W // 2:] = 1, 2
    current = previous.copy()
    current[:, 2:W // 2 + 2] = previous[:, :W // 2]  # person 1 moved right by 2
    box = (slice(10, 110), slice(20, 220))
    costs = match_costs(previous, current, owner, [1, 2], [np.array([2.0, 0.0]), np.zeros(2)], box)
    best, clear = carried(costs, 0.5)
    inner = (slice(0, 100), slice(0, 90))  # person 1's pixels, away from the seam
    assert (costs[0][inner] < 1e-6).all() and (best[inner] == 0).all() and clear[inner].all()
    right = (slice(0, 100), slice(115, 200))
    assert (best[right] == 1).all() and clear[right].mean() > 0.99


def test_where_one_person_has_no_match_only_the_overlap_takes_it():
    costs = np.array([[[0.01, 0.01]], [[np.inf, 0.5]]], np.float32)  # [K=2, 1, 2]
    open_ = np.ones((1, 2), bool)
    both = np.ones((2, 1, 2), bool)
    one = np.array([[[True, True]], [[False, False]]])
    best, take = carried_owners(costs, open_, both, overlap=0.85, single=0.3)
    assert (best == 0).all() and take.all()
    best, take = carried_owners(costs, open_, one, overlap=0.85, single=0.3)
    assert take.tolist() == [[False, True]]  # inside one mask: person 2 had no match, no evidence
    _, take = carried_owners(costs, open_, one, overlap=0.85, single=None)
    assert not take.any()
    _, take = carried_owners(costs, ~open_, both, overlap=0.85, single=0.3)
    assert not take.any()  # pixels colour decided are left alone


def test_the_front_persons_shape_follows_what_they_own():
    stale = np.zeros((20, 20), bool)
    stale[5:15, 2:8] = True  # an arm that has moved away since the merge
    stale[5:15, 8:12] = True  # the body
    now = np.zeros((20, 20), bool)
    now[5:15, 8:12] = True
    now[2:5, 8:18] = True  # the arm, raised
    sure = np.zeros((20, 20), bool)
    sure[2:5, 8:14] = True  # the part of it their colours won
    track = Track(1, False, np.array([1.0, 0.0]), stale.copy(), stale.copy())
    refresh_front(track, now, sure)
    expected = np.zeros((20, 20), bool)
    expected[5:15, 7:12] = True  # the body and the stale arm's last column, one pixel from it
    expected[2:5, 8:14] = True
    expected = np.roll(expected, 1, axis=1)
    assert (track.mask == expected).all() and track.last_seen is now


def _textured_discs(gap_left: int, gap_right: int, grains: list[np.ndarray]) -> tuple[np.ndarray, ...]:
    yy, xx = np.mgrid[0:H, 0:W]
    a = np.clip(20 - np.hypot(xx - gap_left, yy - 60) + 0.5, 0, 1).astype(np.float32)
    b = np.clip(20 - np.hypot(xx - gap_right, yy - 60) + 0.5, 0, 1).astype(np.float32)
    cols = np.arange(W)
    tex_a = grains[0][:, np.clip(cols - gap_left + 60, 0, 119)]
    tex_b = grains[1][:, np.clip(cols - gap_right + 60, 0, 119)]
    visible_b = b * (1 - a)
    rgb = tex_a * a[..., None] + tex_b * visible_b[..., None] + 0.9 * (1 - a - visible_b)[..., None]
    return a, b, visible_b, np.clip(rgb, 0, 1).astype(np.float32)


def test_discs_alike_in_colour_are_split_by_the_motion_of_their_grain():
    """a (in front) and b cross; both are the same grey grain, so colour decides nothing; where their
    expected masks overlap, position alone splits by the nearer centre, motion gives each pixel to
    the disc whose grain it carries."""
    rng = np.random.default_rng(3)
    grains = [np.repeat(rng.uniform(0.2, 0.6, (H, 120, 1)), 3, axis=2).astype(np.float32) for _ in range(2)]
    centres = np.round(np.interp(np.linspace(0, 1, 40), [0, 0.2, 0.8, 1], [45, 45, 195, 195])).astype(int)
    leaks = {}
    for carry in (0.85, None):
        behind = SubjectTracker(SubjectPrompt.from_cli("195,60"), TrackerSettings(carry=carry, carry_single=None))
        leaks[carry] = []
        for left in centres:
            a, b, visible_b, rgb = _textured_discs(int(left), int(240 - left), grains)
            alpha = torch.from_numpy(np.maximum(a, b))[None, None]
            out = behind.apply(alpha, torch.from_numpy(rgb).permute(2, 0, 1)[None])[0, 0].numpy()
            if abs(2 * left - 240) < 30:  # overlapping
                theirs = (a > 0.5) & (visible_b < 0.05)
                leaks[carry].append(float(out[theirs].mean()))
    assert len(leaks[None]) >= 4 and max(leaks[0.85]) < 0.05 and min(leaks[None]) > 0.15, leaks
