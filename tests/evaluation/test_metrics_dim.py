"""The metrics on real ground-truth mattes (Deep Image Matting samples) with perturbed predictions."""
from __future__ import annotations

import numpy as np
import pytest
from PIL import Image
from scipy import ndimage

from evaluation_data import shared
from videomatte.evaluation import metrics as m


def dim_alphas() -> list[np.ndarray]:
    folder = shared("dim")
    return [np.asarray(Image.open(folder / f"{i}_alpha.png").convert("L")) for i in range(10)]


def blurred(alpha: np.ndarray, sigma: float) -> np.ndarray:
    return np.floor(ndimage.gaussian_filter(alpha / 255.0, sigma) * 255 + 0.5).astype(np.uint8)


@pytest.fixture(scope="module")
def alphas() -> list[np.ndarray]:
    return dim_alphas()


def test_real_mattes_score_zero_against_themselves(alphas: list[np.ndarray]) -> None:
    stack = np.stack(alphas)
    for fn in (m.mad, m.mse, m.grad, m.conn):
        np.testing.assert_array_equal(fn(stack, stack), np.zeros(len(alphas)))


def test_more_blur_scores_worse_on_every_metric(alphas: list[np.ndarray]) -> None:
    stack = np.stack(alphas)
    scores = [np.stack([fn(np.stack([blurred(a, s) for a in alphas]), stack) for fn in (m.mad, m.mse, m.grad, m.conn)])
              for s in (1.0, 2.0, 4.0)]
    assert (scores[0] > 0).all()
    assert (scores[1] > scores[0]).all() and (scores[2] > scores[1]).all()


def test_metric_bounds_and_symmetry(alphas: list[np.ndarray]) -> None:
    rng = np.random.default_rng(0)
    t = np.stack(alphas)
    p = np.clip(t.astype(int) + rng.integers(-20, 21, t.shape), 0, 255).astype(np.uint8)
    mad, mse = m.mad(p, t), m.mse(p, t)
    assert (mse <= mad).all() and (mad <= 20 / 255 * 1e3 + 1e-9).all()  # |d| <= 20/255 < 1
    for fn in (m.mad, m.mse, m.grad, m.conn):
        np.testing.assert_allclose(fn(p, t), fn(t, p), rtol=1e-12)
    # phi only differs where the mattes differ, by at most 1 per pixel.
    assert (m.conn(p, t) <= (p != t).sum(axis=(1, 2)) / 1e3).all()


def test_uint8_and_float_inputs_agree(alphas: list[np.ndarray]) -> None:
    t, p = alphas[3], blurred(alphas[3], 2.0)
    for fn in (m.mad, m.mse, m.grad, m.conn):
        assert fn(p, t) == pytest.approx(fn(p / 255.0, t / 255.0), rel=1e-12)


def test_separable_gradient_equals_the_full_9x9_filter(alphas: list[np.ndarray]) -> None:
    a = alphas[9] / 255.0
    g, dg = m.gaussian_gradient_kernels()
    fx = np.outer(g, dg)
    gx = ndimage.correlate(a, fx, mode="nearest")
    gy = ndimage.correlate(a, fx.T, mode="nearest")
    np.testing.assert_allclose(m.gradient_magnitude(a), np.sqrt(gx**2 + gy**2), atol=1e-6)  # float32 result


def test_one_pixel_shift_is_seen_by_grad_and_dtssd(alphas: list[np.ndarray]) -> None:
    t = alphas[0]
    shifted = np.roll(t, 1, axis=1)
    assert m.grad(shifted, t) > 0.01
    # A prediction that is still while the truth moves by one pixel: dtSSD = RMS of the truth's change.
    seq_t, seq_p = np.stack([t, shifted]), np.stack([t, t])
    rms = np.sqrt(np.mean(((shifted.astype(float) - t) / 255.0) ** 2)) * 100
    assert m.dtssd_sequence(seq_p, seq_t, "skip") == pytest.approx([rms])
