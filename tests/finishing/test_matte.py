"""Levels, shrink/grow and feather against mattes computed by hand."""
from __future__ import annotations

import pytest
import torch

from videomatte.finishing import near_edge
from videomatte.finishing.matte import finish_matte, shrink, shrink_whole
from videomatte.finishing.settings import Finishing


def soft_edge(width: float, at: float = 40.3, size: tuple[int, int] = (24, 96)) -> torch.Tensor:
    """A vertical edge: alpha 0 on the left, 1 on the right, a linear ramp ``width`` pixels wide whose
    0.5 crossing is at column ``at``."""
    xs = torch.arange(size[1], dtype=torch.float32)
    return ((xs - at) / width + 0.5).clamp(0, 1).expand(1, 1, *size).contiguous()


def contour(pha: torch.Tensor) -> float:
    """Column where the middle row of ``pha`` crosses 0.5 (linear between pixels)."""
    row = pha[0, 0, pha.shape[-2] // 2]
    i = int((row < 0.5).nonzero().max())
    return i + float((0.5 - row[i]) / (row[i + 1] - row[i]))


def test_default_is_identity_and_returns_the_same_tensor() -> None:
    pha = torch.rand(2, 1, 10, 12)
    assert Finishing().is_identity
    assert finish_matte(pha, Finishing()) is pha


def test_levels_match_the_hand_computed_clip() -> None:
    pha = torch.tensor([0.0, 0.05, 0.1, 0.3, 0.5, 0.7, 0.9, 0.95, 1.0]).view(1, 1, 1, -1)
    expected = torch.tensor([0.0, 0.0, 0.0, 0.25, 0.5, 0.75, 1.0, 1.0, 1.0]).view(1, 1, 1, -1)
    assert torch.allclose(finish_matte(pha, Finishing(levels=(0.1, 0.9))), expected, atol=1e-6)


@pytest.mark.parametrize("ramp", [1.0, 4.0])
@pytest.mark.parametrize("pixels", [0.5, 1.75, 3.0, -2.25, 6.0])
def test_shrink_moves_the_half_contour_by_the_pixels_asked(ramp: float, pixels: float) -> None:
    pha = soft_edge(ramp)
    moved = finish_matte(pha, Finishing(shrink=pixels))
    assert contour(moved) - contour(pha) == pytest.approx(pixels, abs=0.1)
    if ramp > 1:  # the edge keeps its softness: still a ramp of the same width
        row = moved[0, 0, 12]
        assert int(((row > 0.05) & (row < 0.95)).sum()) == int(((pha[0, 0, 12] > 0.05) & (pha[0, 0, 12] < 0.95)).sum())


def test_shrink_of_a_disc_changes_its_radius() -> None:
    yy, xx = torch.meshgrid(torch.arange(81.0), torch.arange(81.0), indexing="ij")
    radius = torch.hypot(yy - 40, xx - 40)
    disc = (25 - radius + 0.5).clamp(0, 1)[None, None]
    for pixels in (2.0, -3.5):
        area = finish_matte(disc, Finishing(shrink=pixels)).sum()
        assert float((area / torch.pi) ** 0.5) == pytest.approx(25 - pixels, abs=0.15)


def test_shrink_removes_a_strand_thinner_than_twice_the_move() -> None:
    pha = torch.zeros(1, 1, 40, 40)
    pha[..., 18:21] = 1.0  # a 3-pixel strand
    assert float(finish_matte(pha, Finishing(shrink=2)).max()) < 0.05


def test_feather_keeps_the_mean_and_spreads_the_edge() -> None:
    pha = soft_edge(1.0, at=47.5, size=(32, 96))
    feathered = finish_matte(pha, Finishing(feather=6))
    assert float(feathered.mean()) == pytest.approx(float(pha.mean()), abs=2e-3)
    soft = lambda m: int(((m > 0.02) & (m < 0.98)).sum())  # noqa: E731
    assert soft(feathered) >= 4 * soft(pha)
    assert contour(feathered) == pytest.approx(contour(pha), abs=0.05)
    assert torch.equal(feathered[..., :30], pha[..., :30]) and torch.equal(feathered[..., -30:], pha[..., -30:])


def test_grow_closes_a_gap_narrower_than_twice_the_move() -> None:
    pha = torch.ones(1, 1, 40, 40)
    pha[..., 18:21] = 0.0  # a 3-pixel gap between two solid halves
    assert float(finish_matte(pha, Finishing(shrink=-2)).min()) > 0.95


def _blob(cy: float, cx: float, radius: float, soft: float, size: tuple[int, int] = (200, 300)) -> torch.Tensor:
    """A disc ``[H, W]`` with a linear soft edge ``soft`` pixels wide."""
    yy, xx = torch.meshgrid(torch.arange(float(size[0])), torch.arange(float(size[1])), indexing="ij")
    return ((radius - torch.hypot(yy - cy, xx - cx)) / soft + 0.5).clamp(0, 1)


@pytest.mark.parametrize("pixels", [0.5, -4.0, 7.25])
def test_shrink_near_the_edges_only_equals_the_whole_frame_computation(pixels: float, monkeypatch) -> None:
    """Shrink works on the pieces of the frame near an edge (strips of rows, runs of columns): the
    same matte as computed over every pixel, including at the frame's border and between pieces."""
    monkeypatch.setattr(near_edge, "STRIP", 48)  # more pieces, more seams
    blob = _blob
    pha = torch.maximum(blob(100, 70, 40, 4.0), blob(15, 290, 30, 1.0))  # one cut by the frame's corner
    pha = torch.maximum(pha, blob(170, 200, 20, 8.0))
    pha[0, 150:200] = 0.7  # a soft run on the top row
    pha = torch.stack([pha, pha.flip(-1)])[:, None]  # two frames
    assert (shrink(pha, pixels) - shrink_whole(pha, pixels)).abs().max() < 1 / 255
    assert not torch.equal(shrink(pha, pixels), pha)
    assert len(near_edge.edge_pieces(pha[0, 0], 9, 30)) > 6
