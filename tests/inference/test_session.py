"""``MattingSession``: the state it carries, when it forgets it, and the ratio it picks."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from videomatte.inference.session import MattingSession
from videomatte.models.registry import build_network


@pytest.fixture(scope="module")
def network() -> torch.nn.Module:
    torch.manual_seed(0)
    net = build_network("mobilenetv3").eval()
    with torch.no_grad():  # an alpha that varies over the picture, so that the state shows
        net.project_mat.conv.bias[3] = 0.5
        net.project_mat.conv.weight[3] *= 5
    return net


def _frames(count: int, height: int, width: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (count, height, width, 3), dtype=np.uint8)


def _alphas(session: MattingSession, frames: np.ndarray) -> list[torch.Tensor]:
    return [session.step(frame).pha.clone() for frame in frames]


def test_state_is_carried_and_reset_forgets_it(network: torch.nn.Module) -> None:
    frames = _frames(3, 48, 64)
    session = MattingSession(network, device="cpu", downsample_ratio=0.5, backend="torch")
    carried = _alphas(session, frames)
    fresh = MattingSession(network, device="cpu", downsample_ratio=0.5, backend="torch").step(frames[2]).pha
    assert not torch.equal(carried[2], fresh), "the third frame must depend on the first two"
    session.reset()
    assert torch.equal(session.step(frames[2]).pha, fresh)


def test_a_new_frame_size_starts_from_zero_state(network: torch.nn.Module) -> None:
    session = MattingSession(network, device="cpu", downsample_ratio=0.5, backend="torch")
    _alphas(session, _frames(2, 48, 64))
    other = _frames(1, 40, 72, seed=1)[0]
    expected = MattingSession(network, device="cpu", downsample_ratio=0.5, backend="torch").step(other).pha
    assert torch.equal(session.step(other).pha, expected)


@pytest.mark.parametrize("size,ratio", [((1080, 1920), 512 / 1920), ((720, 1280), 0.4), ((288, 512), 1.0),
                                        ((100, 80), 1.0)])
def test_automatic_ratio_follows_the_frame_size(network: torch.nn.Module, size: tuple[int, int],
                                                ratio: float) -> None:
    session = MattingSession(network, device="cpu", backend="torch")
    assert session.downsample_ratio is None
    assert session.ratio_for(*size) == pytest.approx(ratio)
    assert MattingSession(network, device="cpu", downsample_ratio=0.3, backend="torch").ratio_for(*size) == 0.3


def test_automatic_ratio_is_used_and_a_fixed_one_kept(network: torch.nn.Module) -> None:
    frame = _frames(1, 80, 600)[0]
    auto = MattingSession(network, device="cpu", backend="torch")
    auto.step(frame)
    assert auto.downsample_ratio == pytest.approx(512 / 600)
    fixed = MattingSession(network, device="cpu", downsample_ratio=512 / 600, backend="torch")
    assert torch.equal(fixed.step(frame).pha, MattingSession(network, device="cpu", backend="torch").step(frame).pha)
    assert fixed.downsample_ratio == pytest.approx(512 / 600)


def test_bad_ratios_and_frames_are_refused(network: torch.nn.Module) -> None:
    with pytest.raises(ValueError, match=r"\(0, 1\]"):
        MattingSession(network, device="cpu", downsample_ratio=1.5, backend="torch")
    with pytest.raises(TypeError, match="uint8"):
        MattingSession(network, device="cpu", backend="torch").step([[1, 2, 3]])  # type: ignore[arg-type]

