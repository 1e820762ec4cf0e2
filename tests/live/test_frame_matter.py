"""FrameMatter: the per-frame core that the live engine and the web page's webcam tab share."""
from __future__ import annotations

import threading

import numpy as np
import pytest

from videomatte.errors import MediaError
from videomatte.inference.session import MattingSession
from videomatte.live import FrameMatter


def _session(network) -> MattingSession:
    return MattingSession(network, device="cpu", backend="torch", downsample_ratio=0.5)


def _frames(count: int, height: int = 48, width: int = 64) -> list[np.ndarray]:
    rng = np.random.default_rng(7)
    base = rng.integers(0, 256, (height, width, 3), dtype=np.uint8)
    return [np.roll(base, 3 * k, axis=1) for k in range(count)]


def _expected(fgr: np.ndarray, alpha: np.ndarray, rgb: tuple[int, int, int]) -> np.ndarray:
    a = alpha[..., None] / 255.0
    return fgr * a + np.array(rgb) * (1 - a)


def test_composite_is_foreground_over_the_background(network) -> None:
    over = FrameMatter(_session(network), background="#FF0000")
    parts = FrameMatter(_session(network))
    for frame in _frames(3):
        composite = over(frame)
        fgr, alpha = parts.matte(frame)
        assert composite.shape == frame.shape and composite.dtype == np.uint8
        assert fgr.shape == frame.shape and alpha.shape == frame.shape[:2] and alpha.dtype == np.uint8
        assert 5 < alpha.std() and 0 < alpha.min() < alpha.max() < 255, "the matte should vary"
        assert np.abs(composite - _expected(fgr, alpha, (255, 0, 0))).max() <= 2.0  # fgr, alpha rounded


def test_background_can_change_between_frames(network) -> None:
    matter = FrameMatter(_session(network), background="white")
    parts = FrameMatter(_session(network))
    first, second = _frames(2)
    out = matter(first)
    fgr, alpha = parts.matte(first)
    assert np.abs(out - _expected(fgr, alpha, (255, 255, 255))).max() <= 2.0
    matter.background = "black"
    assert matter.background == "black"
    out = matter(second)
    fgr, alpha = parts.matte(second)
    assert np.abs(out - _expected(fgr, alpha, (0, 0, 0))).max() <= 2.0
    with pytest.raises(MediaError, match="not a colour"):
        matter.background = "no-such-background.png"
    assert matter.background == "black"


def test_mirror_flips_before_matting(network) -> None:
    frame = _frames(1)[0]
    mirrored = FrameMatter(_session(network), mirror=True)(frame)
    plain = FrameMatter(_session(network))(np.ascontiguousarray(frame[:, ::-1]))
    np.testing.assert_array_equal(mirrored, plain)


def test_state_carries_and_reset_restarts_the_stream(network) -> None:
    frames = _frames(3)
    matter = FrameMatter(_session(network))
    first = [matter.matte(f)[1] for f in frames]
    matter.reset()
    again = [matter.matte(f)[1] for f in frames]
    for a, b in zip(first, again):
        np.testing.assert_array_equal(a, b)
    fresh_third = FrameMatter(_session(network)).matte(frames[2])[1]
    assert np.abs(first[2].astype(int) - fresh_third).max() > 0, "the recurrent state should matter"


def test_threads_share_one_matter(network) -> None:
    matter = FrameMatter(_session(network), background="blur")
    frames = _frames(6)
    results: list[np.ndarray] = []
    threads = [threading.Thread(target=lambda f=f: results.append(matter(f))) for f in frames]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 6 and all(r.shape == (48, 64, 3) for r in results)


@pytest.mark.parametrize("bad", [np.zeros((8, 8), np.uint8), np.zeros((8, 8, 3), np.float32), "frame"])
def test_rejects_what_is_not_an_rgb_picture(network, bad) -> None:
    with pytest.raises(ValueError, match="uint8 RGB picture"):
        FrameMatter(_session(network))(bad)
