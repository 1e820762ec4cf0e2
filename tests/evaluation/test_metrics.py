"""Each metric on hand-made mattes whose values are worked out by hand in the comments.

The metrics compute in float32 as the original scripts do, so values agree with the hand-computed
(float64) ones to a relative 1e-6.
"""
from __future__ import annotations

import math

import numpy as np
import pytest

from videomatte.evaluation import metrics as m


def step_edge(column: int, h: int = 10, w: int = 10) -> np.ndarray:
    """``[h, w]`` float: 0 left of ``column``, 1 from it on."""
    a = np.zeros((h, w))
    a[:, column:] = 1.0
    return a


def test_identical_mattes_score_zero_everywhere() -> None:
    rng = np.random.default_rng(0)
    a = rng.random((3, 20, 30))
    for fn in (m.mad, m.mse, m.grad, m.conn):
        np.testing.assert_array_equal(fn(a, a), np.zeros(3))
    np.testing.assert_array_equal(m.dtssd_sequence(a, a), np.zeros(3))
    fgr = rng.random((3, 20, 30, 3))
    np.testing.assert_array_equal(m.fgr_mse(fgr, fgr, a), np.zeros(3))


def test_constant_offset_gives_known_mad_and_mse() -> None:
    # |p - t| = 0.1 everywhere: MAD = 0.1 * 1e3 = 100, MSE = 0.01 * 1e3 = 10.
    t = np.full((2, 8, 8), 0.3)
    p = t + 0.1
    np.testing.assert_allclose(m.mad(p, t), [100.0, 100.0], rtol=1e-6)
    np.testing.assert_allclose(m.mse(p, t), [10.0, 10.0], rtol=1e-6)


def test_uint8_is_read_as_eighths_of_255() -> None:
    # 51/255 = 0.2 exactly: MAD = 200, MSE = 40.
    t = np.zeros((4, 4), np.uint8)
    p = np.full((4, 4), 51, np.uint8)
    assert m.mad(p, t) == pytest.approx(200.0, rel=1e-6)
    assert m.mse(p, t) == pytest.approx(40.0, rel=1e-6)


def test_gradient_filter_is_nine_taps_with_unit_norm() -> None:
    # half = ceil(1.4 * sqrt(-2 ln(sqrt(2 pi) * 1.4 * 0.01))) = ceil(3.62) = 4 -> 9 taps.
    g, dg = m.gaussian_gradient_kernels(1.4)
    assert len(g) == len(dg) == 9
    assert np.sum(np.outer(g, dg) ** 2) == pytest.approx(1.0)
    assert dg[4] == 0.0 and dg[0] > 0 > dg[8]  # derivative of a Gaussian: odd around the centre


def _edge_profile(column: int, w: int) -> np.ndarray:
    """|gradient| along one row of a vertical step edge, from the filter's definition written out.

    With replicate borders the image is constant along y, so gy = 0 and gx(j) = S_g * sum_k dg_k *
    a(clamp(j + k - 4)), where S_g = sum of the Gaussian taps; everything is L2-normalised as a 9x9 filter.
    """
    sigma, half = 1.4, 4
    taps = range(-half, half + 1)
    gauss = [math.exp(-(x * x) / (2 * sigma * sigma)) for x in taps]
    deriv = [-x * gv / sigma**2 for x, gv in zip(taps, gauss)]
    norm = math.sqrt(sum(a * a for a in gauss) * sum(b * b for b in deriv))
    s_g = sum(gauss)
    row = [1.0 if j >= column else 0.0 for j in range(w)]
    profile = []
    for j in range(w):
        gx = sum(deriv[k] * row[min(max(j + k - half, 0), w - 1)] for k in range(2 * half + 1))
        profile.append(abs(s_g * gx / norm))
    return np.array(profile)


def test_single_pixel_edge_shift_gives_known_grad() -> None:
    # Grad = rows * sum_j (P_t(j) - P_p(j))^2 / 1000 for the two edge profiles.
    t, p = step_edge(5), step_edge(6)
    expected = 10 * np.sum((_edge_profile(5, 10) - _edge_profile(6, 10)) ** 2) / 1000
    assert m.grad(p, t, normalise=True) == pytest.approx(expected, rel=1e-6)
    assert m.grad(p, t, normalise=False) == pytest.approx(expected, rel=1e-6)  # already spans 0..1
    assert expected == pytest.approx(0.0495267, rel=1e-5)


def test_lr_grad_normalises_and_hr_grad_does_not() -> None:
    # A half-strength edge: min-max normalisation stretches it to the full edge (LR Grad 0),
    # while HR Grad sees the gradient halved: (P - P/2)^2 summed = 1/4 of the full edge's sum of P^2.
    t, p = step_edge(5), 0.5 * step_edge(5)
    assert m.grad(p, t, normalise=True) == pytest.approx(0.0, abs=1e-12)
    expected = 10 * np.sum((0.5 * _edge_profile(5, 10)) ** 2) / 1000
    assert m.grad(p, t, normalise=False) == pytest.approx(expected, rel=1e-6)


def test_constant_mattes_give_finite_values() -> None:
    flat, edge = np.full((10, 10), 0.5), step_edge(5)
    for fn in (m.mad, m.mse, m.grad, m.conn):
        assert np.isfinite(fn(flat, edge)) and np.isfinite(fn(flat, flat))
    assert m.grad(flat, np.zeros((10, 10))) == 0.0  # both normalise to all zeros
    assert np.isfinite(m.dtssd_sequence(np.stack([flat, flat]), np.stack([flat, flat]))).all()


def test_conn_of_a_shifted_edge() -> None:
    # Column 5 is 1 in t and 0 in p: it is outside every common component, so its level is 0;
    # d_t = 1 -> phi_t = 0, d_p = 0 -> phi_p = 1: 10 pixels x 1 / 1000 = 0.01.
    assert m.conn(step_edge(6), step_edge(5)) == pytest.approx(0.01, rel=1e-6)


def test_conn_of_an_isolated_blob() -> None:
    # A 3x3 block of 1 in both; p also has a lone 1 pixel far away. The block is the largest common
    # component at every threshold (level 1), the lone pixel leaves at 0.1 (level 0): d_p = 1 -> phi_p
    # = 0 while phi_t = 1. Conn = 1 / 1000.
    t = np.zeros((10, 10))
    t[1:4, 1:4] = 1.0
    p = t.copy()
    p[8, 8] = 1.0
    assert m.conn(p, t) == pytest.approx(0.001, rel=1e-6)
    assert m.conn(t, p) == pytest.approx(0.001, rel=1e-6)


def test_conn_thresholds_are_float32_like_the_originals() -> None:
    # t: 3x3 block of 1; p: the same block at 153/255, float32 0.6f. The 6th threshold np.arange gives,
    # 0.6000000000000001, is compared in float32 (0.6f): the block passes it and leaves at 0.7, level
    # 0.6f: phi_p = 1, d_t = 1 - 0.6f >= 0.15 -> phi_t = 0.6f; Conn = 9 * (1 - 0.6f) / 1000 = 0.0036
    # (float64 comparisons gave level 0.5 and 0.0045).
    t = np.zeros((6, 6), np.uint8)
    t[1:4, 1:4] = 255
    p = np.where(t > 0, 153, 0).astype(np.uint8)
    assert m.conn(p, t) == pytest.approx(9 * (1 - float(np.float32(0.6))) / 1000, rel=1e-6)


def test_conn_uses_four_connectivity() -> None:
    # A 2x2 block A touches a 3x3 block B only diagonally. In p, A fades to 0.45. With 4-connectivity
    # A and B are separate components and B (larger) is omega from the first threshold, so A gets level
    # 0: phi_t = 1 - 1 = 0, phi_p = 1 - 0.45 -> 4 * 0.55 / 1000 = 0.0022. (8-connectivity would keep A
    # with B until 0.5 and give level 0.4: 4 * 0.6 / 1000 = 0.0024.)
    t = np.zeros((6, 6))
    t[0:2, 0:2] = 1.0
    t[2:5, 2:5] = 1.0
    p = t.copy()
    p[0:2, 0:2] = 0.45
    assert m.conn(p, t) == pytest.approx(0.0022, rel=1e-6)


def test_temporal_flicker_gives_known_dtssd() -> None:
    # Truth is still; a quarter of the predicted pixels flicker by 0.1 every frame:
    # sqrt(0.25 * 0.01) * 100 = 5 for frames 1..3. "zero": [0, 5, 5, 5] (mean 3.75); "skip": [5, 5, 5].
    t = np.full((4, 8, 8), 0.5)
    p = t.copy()
    p[1::2, :4, :4] += 0.1
    np.testing.assert_allclose(m.dtssd_sequence(p, t, "zero"), [0.0, 5.0, 5.0, 5.0], rtol=1e-6)
    np.testing.assert_allclose(m.dtssd_sequence(p, t, "skip"), [5.0, 5.0, 5.0], rtol=1e-6)
    with pytest.raises(ValueError, match="first_frame"):
        m.dtssd_sequence(p, t, "first")


def test_dtssd_ignores_motion_shared_by_prediction_and_truth() -> None:
    rng = np.random.default_rng(3)
    t = rng.random((5, 8, 8))
    np.testing.assert_allclose(m.dtssd_sequence(t + 0.0, t), np.zeros(5), atol=1e-12)


def test_foreground_errors_only_count_pixels_with_alpha() -> None:
    # Foregrounds differ by 0.2 in every channel, but only where alpha > 0 counts (2 of 4 pixels);
    # outside, they differ by 1.0 and must be ignored. MAD = 200, MSE = 40.
    pha = np.array([[[0.0, 0.5], [1.0, 0.0]]])
    true_fgr = np.zeros((1, 2, 2, 3))
    pred_fgr = np.where(pha[..., None] > 0, 0.2, 1.0) * np.ones((1, 2, 2, 3))
    assert m.fgr_mad(pred_fgr, true_fgr, pha) == pytest.approx([200.0], rel=1e-6)
    assert m.fgr_mse(pred_fgr, true_fgr, pha) == pytest.approx([40.0], rel=1e-6)
    assert m.fgr_mse(pred_fgr, true_fgr, np.zeros((1, 2, 2))) == pytest.approx([0.0])  # no foreground


def test_mismatched_shapes_are_rejected() -> None:
    with pytest.raises(ValueError, match="differs"):
        m.mad(np.zeros((4, 4)), np.zeros((4, 5)))
