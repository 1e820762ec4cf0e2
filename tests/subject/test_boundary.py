"""The subject's boundary with another person, decided at the frame's resolution: on a synthetic contact
whose truth is known (two people of different colours touching along a curve), the cut follows the true
boundary within a pixel or two where the tracker's working-resolution cut is off by a working pixel."""
from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from scipy import ndimage

from videomatte.subject.tracker import SubjectTracker
from videomatte.subject.boundary import BoundarySettings, contested_band, fast_guided_filter, refine_weight
from videomatte.subject.prompt import SubjectPrompt
from videomatte.subject.tracks import TrackerSettings

SCALE = 5  # frame pixels per working pixel (a 1080p frame and a 216-row working grid)
H, W = 60 * SCALE, 120 * SCALE


def contact(shift: float = 0.0) -> np.ndarray:
    """The true share of the chosen person (on the left) per frame pixel, ``float32 [H, W]``: their
    boundary with the person on the right is a slanted wave, anti-aliased over one pixel."""
    rows = np.arange(H, dtype=np.float32)[:, None]
    edge = W / 2 + 25 * np.sin(rows / 30) + 0.4 * (rows - H / 2) + shift
    return np.clip(edge - np.arange(W, dtype=np.float32)[None, :] + 0.5, 0, 1)


def picture(mine: np.ndarray, seed: int = 0) -> torch.Tensor:
    """The frame ``[3, H, W]``: the chosen person in brick red, the other in denim blue, with grain."""
    rng = np.random.default_rng(seed)
    share = mine[..., None]
    rgb = share * [0.7, 0.3, 0.25] + (1 - share) * [0.25, 0.35, 0.65] + rng.normal(0, 0.04, (H, W, 3))
    return torch.from_numpy(np.clip(rgb, 0, 1).astype(np.float32)).permute(2, 0, 1)


def working_weight(mine: np.ndarray, offset: int = 0) -> np.ndarray:
    """The tracker's weight: the truth at working resolution, cut hard (a staircase once scaled up),
    moved by ``offset`` working pixels (a split one pixel off), feathered as the tracker does."""
    small = F.interpolate(torch.from_numpy(mine)[None, None], scale_factor=1 / SCALE, mode="area")[0, 0].numpy()
    hard = ndimage.shift((small > 0.5).astype(np.float32), (0, offset), order=0, mode="nearest")
    return ndimage.gaussian_filter(hard, 0.5, mode="nearest", truncate=3.0)


def upscaled(weight: np.ndarray) -> torch.Tensor:
    return F.interpolate(torch.from_numpy(weight)[None, None], size=(H, W), mode="bilinear")[0, 0].clamp(0, 1)


def boundary_error(weight: np.ndarray, mine: np.ndarray) -> np.ndarray:
    """Per row, how far (frame pixels) the cut lies from the true boundary: the difference of the
    rows' sums (both go from 1 on the left to 0 on the right, once)."""
    return np.abs(weight.sum(axis=1) - mine.sum(axis=1))


def refined(offset: int) -> tuple[np.ndarray, torch.Tensor, np.ndarray, np.ndarray]:
    """The truth, the tracker's scaled-up weight, the re-decided one and the working band."""
    mine = contact()
    small = working_weight(mine, offset)
    before = upscaled(small)
    band = contested_band(small, np.ones_like(small), BoundarySettings())
    return mine, before, refine_weight(before, band, picture(mine), BoundarySettings()).numpy(), band


def test_the_cut_follows_the_true_boundary_at_full_resolution():
    mine, before, after, band = refined(offset=0)
    error_before, error_after = boundary_error(before.numpy(), mine), boundary_error(after, mine)
    assert error_before.max() > 2.5  # the staircase of the working grid
    assert error_after.max() < 2.0 and error_after.mean() < 0.3, (error_after.max(), error_after.mean())
    assert np.abs(after - mine).mean() < 0.2 * np.abs(before.numpy() - mine).mean()
    far = ~ndimage.binary_dilation(band, iterations=1).repeat(SCALE, 0).repeat(SCALE, 1)
    np.testing.assert_array_equal(after[far], before.numpy()[far])  # only the band is decided again


def test_a_split_one_working_pixel_off_is_brought_onto_the_colour_edge():
    """Where the boundary is steep (over a pixel per row: near the top and bottom rows here) a cut five
    frame pixels off is only partly pulled back; elsewhere it lands on the edge."""
    mine, before, after, _ = refined(offset=1)
    error_before, error_after = boundary_error(before.numpy(), mine), boundary_error(after, mine)
    assert error_before.mean() > 4.5
    assert error_after.mean() < 1.0 and np.quantile(error_after, 0.9) < 1.5, (error_after.mean(), error_after.max())
    assert np.abs(after - mine).mean() < 0.15 * np.abs(before.numpy() - mine).mean()


def test_where_colours_do_not_differ_the_cut_stays_the_trackers_without_a_staircase():
    mine = contact()
    small = working_weight(mine)
    before = upscaled(small)
    grey = torch.full((3, H, W), 0.5) + 0.02 * torch.from_numpy(np.random.default_rng(1).normal(size=(3, H, W))).float()
    band = contested_band(small, np.ones_like(small), BoundarySettings())
    after = refine_weight(before, band, grey.clamp(0, 1), BoundarySettings()).numpy()
    error, error_before = boundary_error(after, mine), boundary_error(before.numpy(), mine)
    assert error.max() < error_before.max() + 1.0 and error.mean() < 1.5  # smoothed, not moved
    bends = np.abs(np.diff(after.sum(axis=1), 2)).mean()
    assert bends < np.abs(np.diff(before.numpy().sum(axis=1), 2)).mean()  # no steps of the working grid


def test_the_band_keeps_to_people_and_is_empty_without_a_border():
    small = working_weight(contact())
    alpha = np.ones_like(small)
    alpha[:30] = 0  # nobody in the top half
    band = contested_band(small, alpha, BoundarySettings(band=2))
    assert band[32:].any() and not band[:29].any()
    assert band.any(axis=1)[32:].all() and band.sum(axis=1).max() <= 12  # a thin band along a slanted cut
    assert not contested_band(np.ones_like(small), alpha, BoundarySettings()).any()


def test_the_fast_guided_filter_keeps_a_constant_and_follows_a_colour_step():
    guide = np.zeros((3, 40, 40), np.float32)
    guide[0, :, 20:] = 1
    plain = BoundarySettings(eps=1e-4, gain=1.0, passes=1)  # neither steepened nor filtered twice
    flat = fast_guided_filter(guide, np.full((40, 40), 0.7, np.float32), radius=4, settings=plain, step=2)
    np.testing.assert_allclose(flat, 0.7, atol=1e-5)
    blurred = ndimage.uniform_filter((np.arange(40) >= 20).astype(np.float32), 9)[None].repeat(40, 0)
    for step in (1, 2):  # a ramp over nine pixels becomes a step of half its height at the colour edge
        sharp = fast_guided_filter(guide, blurred, radius=4, settings=plain, step=step)
        assert (sharp[:, 20] - sharp[:, 19] > 0.45).all() and (sharp[:, 12:20] < 0.3).all()
        assert (sharp[:, 20:28] > 0.7).all()


def test_the_tracker_cuts_a_contact_at_full_resolution_when_given_the_frames():
    """End to end: two people merged in one region of a 960x540 frame (working grid 384x216), the
    chosen one picked by a first-frame mask of their side; on the second frame the kept alpha ends on
    the true wavy boundary within half a pixel, where the working-resolution cut is off by up to 2."""
    rows = np.arange(540, dtype=np.float32)[:, None]
    cols = np.arange(960, dtype=np.float32)[None, :]
    region = (rows >= 60) & (cols >= 150) & (cols < 810)
    mine = np.clip(414 + 0.3 * (rows - 300) + 15 * np.sin(rows / 20) - cols + 0.5, 0, 1) * region
    share = mine[..., None]
    rgb = share * [0.7, 0.3, 0.25] + (region[..., None] - share) * [0.25, 0.35, 0.65] + (~region[..., None]) * 0.5
    rgb += np.random.default_rng(0).normal(0, 0.04, rgb.shape)
    src = torch.from_numpy(np.clip(rgb, 0, 1).astype(np.float32)).permute(2, 0, 1)[None]
    alpha = torch.from_numpy(region.astype(np.float32))[None, None]
    errors = {}
    for name, settings in (("before", TrackerSettings(boundary=None)), ("after", TrackerSettings())):
        tracker = SubjectTracker(SubjectPrompt(mask=mine > 0.5), settings)
        for _ in range(2):  # the first frame, and one followed
            out = tracker.apply(alpha, src)[0, 0].numpy()
        assert (out <= alpha[0, 0].numpy() + 1e-6).all()
        errors[name] = np.abs(out.sum(axis=1) - mine.sum(axis=1))[70:]
    assert errors["before"].max() > 1.5
    assert errors["after"].max() < 1.0 and errors["after"].mean() < 0.3, errors["after"].max()
