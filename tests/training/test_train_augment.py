"""The motion augmentation: reproducible from a seed, in range, and each operation doing its job."""
from __future__ import annotations

import pytest
import torch

from videomatte.training import transforms as tf
from videomatte.training.augment import IMAGEMATTE_TRAIN, VIDEOMATTE_TRAIN, AugmentProbabilities, MotionAugmentation
from videomatte.training.easing import CURVES, progress, random_easing, step
from videomatte.training.samplers import TrainFrameSampler, ValidFrameSampler
from videomatte.training.seg_augment import SegmentationAugmentation

EVERYTHING = AugmentProbabilities(1, 1, 1, 1, 1, 1, 1, 1, 1, static_affine=True)


def _inputs(frames: int = 4) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(0)
    return torch.rand(frames, 3, 40, 60, generator=g), torch.rand(frames, 1, 40, 60, generator=g), torch.rand(frames, 3, 50, 45, generator=g)


@pytest.mark.parametrize("probabilities", [EVERYTHING, VIDEOMATTE_TRAIN, IMAGEMATTE_TRAIN])
def test_same_seed_same_tensors_other_seed_other_tensors(probabilities: AugmentProbabilities) -> None:
    augment = MotionAugmentation(32, probabilities)
    first = augment(*_inputs(), torch.Generator().manual_seed(7))
    again = augment(*_inputs(), torch.Generator().manual_seed(7))
    other = augment(*_inputs(), torch.Generator().manual_seed(8))
    assert all(torch.equal(a, b) for a, b in zip(first, again))
    assert not all(torch.equal(a, b) for a, b in zip(first, other))
    for x, channels in zip(first, (3, 1, 3)):
        assert x.shape == (4, channels, 32, 32)
        assert 0 <= float(x.min()) and float(x.max()) <= 1


def test_whole_frames_keep_background_equal_to_foreground() -> None:
    fgr, pha, _ = _inputs()
    out_fgr, out_pha, out_bgr = MotionAugmentation(32, EVERYTHING)(fgr, pha, None, torch.Generator().manual_seed(1))
    assert torch.equal(out_fgr, out_bgr) and out_pha.shape == (4, 1, 32, 32)


def test_identity_affine_and_translation() -> None:
    frames = torch.rand(1, 1, 8, 10)
    assert torch.allclose(tf.warp_affine(frames, [tf.Affine()]), frames, atol=1e-5)
    moved = tf.warp_affine(frames, [tf.Affine(tx=0.2)])  # 0.2 of 10 px = 2 px to the right
    assert torch.allclose(moved[..., 2:], frames[..., :-2], atol=1e-5)
    assert float(moved[..., :2].abs().max()) == 0.0


def test_saturation_uses_its_own_factor() -> None:
    # The original fed saturation the brightness factors; here saturation 0 must give gray at
    # brightness 1, and brightness alone must not desaturate.
    frames = torch.rand(2, 3, 6, 6)
    one, zero = torch.ones(2), torch.zeros(2)
    gray = tf.color_jitter(frames, one, one, zero, zero)
    assert torch.allclose(gray[:, 0], gray[:, 1], atol=1e-5) and torch.allclose(gray[:, 1], gray[:, 2], atol=1e-5)
    assert torch.allclose(tf.color_jitter(frames, one, one, one, zero), frames, atol=1e-5)


def test_blur_sharpen_and_noise() -> None:
    frames = torch.rand(2, 3, 16, 16)
    blurred = tf.gaussian_blur(frames, [0.5, 3.0])  # 1 tap (unchanged), then 7 taps
    assert torch.equal(blurred[0], frames[0]) and blurred[1].std() < frames[1].std()
    assert torch.allclose(tf.sharpen(frames, 1.0), frames, atol=1e-6)
    noise = tf.grain_noise((2, 3, 16, 16), 4, 0.1, True, torch.Generator().manual_seed(0))
    assert torch.equal(noise[:, 0], noise[:, 1])  # mono noise is the same in every channel


def test_easing_curves() -> None:
    assert len(CURVES) == 31 and CURVES[-1] is step
    assert [step(t) for t in (0.0, 0.49, 0.5, 1.0)] == [0.0, 0.0, 1.0, 1.0]
    for curve in CURVES:
        assert curve(0.0) == pytest.approx(0.0, abs=1e-6) and curve(1.0) == pytest.approx(1.0, abs=1e-6)
    picks = {random_easing(torch.Generator().manual_seed(s)) for s in range(200)}
    assert len(picks) > 20
    assert progress(step, 1) == [0.0]


def test_frame_samplers() -> None:
    assert ValidFrameSampler()(4) == [0, 1, 2, 3]
    sampler = TrainFrameSampler(speeds=(2.0,))
    offsets = sampler(5, torch.Generator().manual_seed(3))
    steps = {b - a for a, b in zip(offsets, offsets[1:])}
    assert steps in ({2}, {-2}) and min(offsets) < 5
    same = sampler(5, torch.Generator().manual_seed(3))
    assert offsets == same


@pytest.mark.parametrize("kind", ["image", "video", "none"])
def test_segmentation_augmentation(kind: str) -> None:
    img, seg = torch.rand(3, 3, 40, 50), (torch.rand(3, 1, 40, 50) > 0.5).float()
    out = SegmentationAugmentation(24, kind)(img, seg, torch.Generator().manual_seed(0))
    again = SegmentationAugmentation(24, kind)(img, seg, torch.Generator().manual_seed(0))
    assert out[0].shape == (3, 3, 24, 24) and out[1].shape == (3, 1, 24, 24)
    assert torch.equal(out[0], again[0]) and torch.equal(out[1], again[1])
