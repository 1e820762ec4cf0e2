"""Despill on a synthetic person whose foreground is known: the band error shrinks as claimed."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from videomatte.evaluation.edge_colour import carry_foreground, composite, edge_errors
from videomatte.finishing.band import SOFT, soft_pixels
from videomatte.finishing.despill import despill

GREEN = (0.0, 0.69, 0.25)


def synthetic_person(height: int = 160, width: int = 120, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A head-and-shoulders shape with a soft edge and hair-like strands (alpha ``[H, W]``), and a true
    foreground ``[H, W, 3]``: smooth skin/cloth colours with texture, carried outward from the interior."""
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    head = np.hypot((xx - width / 2) / 28, (yy - height * 0.35) / 34)
    body = np.where(yy > height * 0.6, np.abs(xx - width / 2) / (width * 0.42), 9.0)
    distance = np.minimum(head, body)
    alpha = np.clip((1.0 - distance) * 9 + 0.5, 0, 1)  # a soft band a few pixels wide
    strands = 0.5 + 0.5 * np.sin(xx * 1.3 + np.sin(yy * 0.2) * 3)
    hair = (head > 1.0) & (head < 1.35) & (yy < height * 0.35)
    alpha = np.where(hair, np.maximum(alpha, strands * np.clip((1.35 - head) * 3, 0, 1)), alpha)
    rng = np.random.default_rng(seed)
    colour = np.stack([0.75 - 0.2 * yy / height, 0.55 + 0.1 * np.sin(xx / 9), 0.45 + 0.15 * xx / width], -1)
    colour = np.clip(colour + rng.normal(0, 0.03, colour.shape), 0, 1).astype(np.float32)
    return carry_foreground(colour, alpha.astype(np.float32)), alpha.astype(np.float32)


def _tensor(picture: np.ndarray) -> torch.Tensor:
    picture = picture[..., None] if picture.ndim == 2 else picture
    return torch.from_numpy(np.ascontiguousarray(picture.transpose(2, 0, 1)))[None]


def _numpy(tensor: torch.Tensor) -> np.ndarray:
    return tensor[0].permute(1, 2, 0).numpy()


def test_band_error_over_green_at_most_half_of_the_contaminated_foreground() -> None:
    truth, alpha = synthetic_person()
    picture = composite(truth, alpha, GREEN)
    before = edge_errors(picture, alpha, truth, alpha)  # the network's foreground there ~ the input
    after = edge_errors(_numpy(despill(_tensor(picture), _tensor(picture), _tensor(alpha))), alpha, truth, alpha)
    assert before.pixels > 500
    assert after.foreground <= 0.5 * before.foreground, (after, before)
    assert after.recomposite <= 0.8 * before.recomposite, (after, before)


def test_only_the_soft_pixels_change_and_the_result_stays_in_range() -> None:
    truth, alpha = synthetic_person(seed=1)
    picture = _tensor(composite(truth, alpha, GREEN))
    fgr = torch.rand_like(picture)
    pha = _tensor(alpha)
    out = despill(picture, fgr, pha)
    solid = (pha <= 1 / 255) | (pha >= 1 - 1 / 255)
    assert torch.equal(out.masked_select(solid.expand_as(out)), fgr.masked_select(solid.expand_as(fgr)))
    assert not torch.equal(out, fgr)
    assert out.min() >= 0 and out.max() <= 1
    assert torch.equal(pha, _tensor(alpha)), "alpha is never touched"


def test_no_soft_pixel_returns_the_foreground_itself() -> None:
    fgr = torch.rand(1, 3, 20, 30)
    pha = (torch.rand(1, 1, 20, 30) > 0.5).float()
    assert despill(torch.rand(1, 3, 20, 30), fgr, pha) is fgr


@pytest.mark.parametrize("size", [(90, 1301), (37, 53)])  # means on a shrunk frame, and on the frame itself
def test_wide_and_odd_frames_keep_their_shape_and_clean_a_green_edge(size: tuple[int, int]) -> None:
    height, width = size
    ramp = ((torch.arange(width) - width / 2) / 6 + 0.5).clamp(0, 1)  # person on the right, soft edge
    pha = ramp.expand(2, 1, height, width).contiguous()
    person = torch.tensor([0.8, 0.5, 0.4]).view(1, 3, 1, 1)
    src = pha * person + (1 - pha) * torch.tensor(GREEN).view(1, 3, 1, 1)
    out = despill(src, src, pha)
    assert out.shape == src.shape
    soft = ((pha > 0.1) & (pha < 0.9)).expand_as(src)
    assert (out - person).abs()[soft].mean() < 0.25 * (src - person).abs()[soft].mean()


def test_soft_pixels_finds_every_soft_pixel_and_no_other() -> None:
    alpha = torch.zeros(37, 53)
    alpha[5:30, 10:40] = 1.0
    alpha[3, 7], alpha[36, 52], alpha[20, 20] = 0.5, 0.01, 0.999  # single soft pixels, one inside
    alpha[0, 0], alpha[10, 12] = 1 / 255, 1 - 1 / 255  # solid by the threshold
    flat, rows, cols = soft_pixels(alpha)
    expected = torch.nonzero((alpha > SOFT) & (alpha < 1 - SOFT))
    assert torch.equal(torch.stack([rows, cols], 1), expected)
    assert torch.equal(flat, rows * 53 + cols)


def test_two_people_far_apart_in_a_large_frame_are_both_cleaned() -> None:
    """Means on a subsampled working frame, over the band's box only: both people, wherever they are
    on the working grid, get the factor claimed, and nearly the same colours."""
    truth, alpha = synthetic_person(seed=2)
    picture = composite(truth, alpha, GREEN)
    big_alpha = np.zeros((700, 900), np.float32)
    big_picture = np.broadcast_to(np.asarray(GREEN, np.float32), (700, 900, 3)).copy()
    big_alpha[40:200, 60:180], big_picture[40:200, 60:180] = alpha, picture
    big_alpha[501:661, 703:823], big_picture[501:661, 703:823] = alpha, picture  # odd offsets
    out = _numpy(despill(_tensor(big_picture), _tensor(big_picture), _tensor(big_alpha)))
    first, second = out[40:200, 60:180], out[501:661, 703:823]
    before = edge_errors(picture, alpha, truth, alpha).foreground
    for person in (first, second):
        assert edge_errors(person, alpha, truth, alpha).foreground < 0.5 * before
    band = (alpha > 0.1) & (alpha < 0.9)
    assert np.abs(first - second)[band].mean() < 0.02
