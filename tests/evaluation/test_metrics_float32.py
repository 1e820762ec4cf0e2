"""The metrics' arithmetic is the original evaluation's: 8-bit mattes read as ``uint8 / 255`` in float32,
Conn's thresholds and round-down map in float32, OpenCV's min-max normalisation, replicate border and
float32 frame sums. Mattes sit exactly on the Conn thresholds (51, 102, 153, 204, 255 of 255), where
float64 arithmetic gave other answers; expected values are worked out by hand (to 1e-6 relative).
"""
from __future__ import annotations

import numpy as np
import pytest

from videomatte.evaluation import metrics as m
from videomatte.evaluation.protocol import PROTOCOLS, ClipAccumulator

ON_THRESHOLDS = (51, 102, 153, 204)  # 0.2, 0.4, 0.6, 0.8 exactly; 153/255 is below float64 6 * 0.1


def f32(value: float) -> float:
    """The float32 nearest to ``value``, as a Python float."""
    return float(np.float32(value))


def columns_block() -> np.ndarray:
    """``uint8 [8, 8]``: a 4x4 block whose columns are 204, 153, 102, 51 on a zero background."""
    t = np.zeros((8, 8), np.uint8)
    t[2:6, 2:6] = np.array(ON_THRESHOLDS[::-1], np.uint8)
    return t


def test_uint8_reads_as_float32_division():
    levels = np.arange(256, dtype=np.uint8)
    unit = m.as_unit(levels)
    assert unit.dtype == np.float32
    assert np.array_equal(unit, levels.astype(np.float32) / np.float32(255))
    assert [float(unit[k]) for k in ON_THRESHOLDS] == [f32(0.2), f32(0.4), f32(0.6), f32(0.8)]


def test_conn_thresholds_are_float32_multiples_of_a_tenth():
    assert m.conn_thresholds().tolist() == [f32(i / 10) for i in range(11)]


def test_conn_on_every_threshold_level():
    # p = 1 on the block. Each column k/255 passes thresholds up to k/255 itself (float32 ties pass)
    # and leaves at the next, so its level is k/255: d_t = 0 -> phi_t = 1; d_p = 1 - k/255 >= 0.15 ->
    # phi_p = k/255. Conn = 4 * sum(1 - k/255) / 1000 = 4 * 2.0 / 1000 (float64: 153 left at 0.6, 0.0084).
    t = columns_block()
    p = np.where(t > 0, 255, 0).astype(np.uint8)
    expected = 4 * sum(1 - f32(k / 255) for k in ON_THRESHOLDS) / 1000
    assert m.conn(p, t) == pytest.approx(expected, rel=1e-6)
    assert m.conn(p, t) == pytest.approx(0.008, rel=1e-6)


def test_conn_when_prediction_sits_on_a_threshold():
    # t = 1 on a 3x3 block, p = 204/255 there: p leaves at 0.9 with level 0.8f: phi_p = 1 (d_p = 0);
    # d_t = 1 - 0.8f -> phi_t = 0.8f. Conn = 9 * (1 - 0.8f) / 1000. Swapping p and t gives the same.
    t = np.zeros((5, 5), np.uint8)
    t[1:4, 1:4] = 255
    p = np.where(t > 0, 204, 0).astype(np.uint8)
    expected = 9 * (1 - f32(0.8)) / 1000
    assert m.conn(p, t) == pytest.approx(expected, rel=1e-6)
    assert m.conn(t, p) == pytest.approx(expected, rel=1e-6)


def test_conn_below_the_phi_cut():
    # A column of 51 next to one of 26 (0.10196): the 26-column leaves at 0.2 with level 0.1f, and
    # d = 26/255 - 0.1f = 0.00196 < 0.15 -> phi = 1 in both mattes, whatever the other column does.
    t = np.zeros((4, 4), np.uint8)
    t[:, 1] = 51
    t[:, 2] = 26
    assert m.conn(t, t) == 0.0
    p = t.copy()
    p[:, 1] = 255  # column 1 at level 0.2f in both: d_p = 0.8f -> phi_p = 0.2f, phi_t = 1
    assert m.conn(p, t) == pytest.approx(4 * (1 - f32(0.2)) / 1000, rel=1e-6)


def test_mad_mse_dtssd_on_thresholds():
    # |0.6f - 0.2f| = 0.4 (to float32): MAD 400, MSE 160; p alternates 153 / 51 over a still truth:
    # dtSSD = sqrt(0.4^2) * 100 = 40 from frame 1 on, frame 0 recorded as 0.
    t = np.full((4, 6, 7), 102, np.uint8)
    p = np.stack([np.full((6, 7), 153 if i % 2 else 51, np.uint8) for i in range(4)])
    assert m.mad(p[1], p[0]) == pytest.approx(400.0, rel=1e-6)
    assert m.mse(p[1], p[0]) == pytest.approx(160.0, rel=1e-6)
    assert m.dtssd_sequence(p, t).tolist() == pytest.approx([0.0, 40.0, 40.0, 40.0], rel=1e-6)


def _reference_grad(p: np.ndarray, t: np.ndarray, normalise: bool) -> float:
    """Grad written out as the definition: OpenCV min-max, a float32 9x9 filter over a replicate-padded
    float32 picture, tap by tap, float32 magnitude and sum."""
    g, dg = m.gaussian_gradient_kernels()
    fx = np.outer(g, dg).astype(np.float32)

    def magnitude(a: np.ndarray) -> np.ndarray:
        a = a.astype(np.float32) / np.float32(255)
        if normalise:
            lo, hi = float(a.min()), float(a.max())
            scale = 1.0 / (hi - lo) if hi - lo > np.finfo(np.float64).eps else 0.0
            a = (a * np.float32(scale) + np.float32(-lo * scale)).astype(np.float32)
        padded = np.pad(a, 4, mode="edge")
        gx, gy = np.zeros_like(a), np.zeros_like(a)
        for i in range(9):
            for j in range(9):
                window = padded[i:i + a.shape[0], j:j + a.shape[1]]
                gx += fx[i, j] * window
                gy += fx[j, i] * window
        return np.sqrt(gx * gx + gy * gy)

    return float(np.square(magnitude(t) - magnitude(p)).sum(dtype=np.float32)) / 1000


@pytest.mark.parametrize("normalise", [True, False])
def test_grad_matches_the_written_out_filter(normalise):
    rng = np.random.default_rng(5)
    levels = np.array((0, *ON_THRESHOLDS), np.uint8)
    t = levels[rng.integers(0, 5, (30, 41))]
    p = t.copy()
    p[10:20, 5:25] = 153
    assert m.grad(p, t, normalise=normalise) == pytest.approx(_reference_grad(p, t, normalise), rel=1e-6)


def test_minmax_normalise_is_opencvs():
    a = columns_block()[2:6, 2:6]
    stretched = m.minmax_normalise(a)
    scale = 1.0 / (f32(0.8) - f32(0.2))
    assert stretched.dtype == np.float32
    assert stretched[0, 0] == pytest.approx(1.0, abs=1e-7) and stretched[0, 3] == pytest.approx(0.0, abs=1e-7)
    assert stretched[0, 1] == pytest.approx((f32(0.6) - f32(0.2)) * scale, rel=1e-6)
    assert (m.minmax_normalise(np.full((3, 3), 153, np.uint8)) == 0).all()


def test_batched_sums_equal_one_frame_at_a_time():
    # A frame's float32 sum is the same whether frames are scored alone or in a batch.
    rng = np.random.default_rng(9)
    p, t = (rng.integers(0, 256, (3, 288, 512), dtype=np.uint8) for _ in range(2))
    batch = m.mad(p, t), m.mse(p, t), m.grad(p, t)
    for i in range(3):
        single = m.mad(p[i], t[i]), m.mse(p[i], t[i]), m.grad(p[i], t[i])
        assert [float(b[i]) for b in batch] == [float(s) for s in single]
    flat = np.abs(m.as_unit(p[0]) - m.as_unit(t[0])).ravel()
    assert float(m.mad(p[0], t[0])) == float(np.float32(flat.sum(dtype=np.float32) / flat.size)) * 1e3


def test_foreground_errors_on_threshold_alphas():
    # Alpha 51/255 > 0 counts; the foregrounds differ by 153/255 - 51/255 = 0.4 on those 2 pixels.
    pha = np.array([[[0, 51], [51, 0]]], np.uint8)
    true_fgr = np.full((1, 2, 2, 3), 51, np.uint8)
    pred_fgr = np.where(pha[..., None] > 0, 153, 0).astype(np.uint8) * np.ones((1, 1, 1, 3), np.uint8)
    assert m.fgr_mad(pred_fgr, true_fgr, pha) == pytest.approx([400.0], rel=1e-6)
    assert m.fgr_mse(pred_fgr, true_fgr, pha) == pytest.approx([160.0], rel=1e-6)


@pytest.mark.parametrize("protocol", ["lr", "hr"])
def test_frame_zero_convention_in_both_protocols(protocol):
    # dtSSD frame 0 is 0 and averaged in (clip mean 40 * 3 / 4 = 30), fed in two chunks.
    t = np.full((4, 6, 7), 102, np.uint8)
    p = np.stack([np.full((6, 7), 153 if i % 2 else 51, np.uint8) for i in range(4)])
    clip = ClipAccumulator("c", PROTOCOLS[protocol])
    clip.update(p[:1], t[:1])
    clip.update(p[1:], t[1:])
    scores = clip.result()
    assert scores.mean("dtssd") == pytest.approx(30.0, rel=1e-6)
    assert ("conn" in scores.values) is (protocol == "lr")
    assert scores.mean("mad") == pytest.approx(200.0, rel=1e-6)  # |0.6 - 0.4| and |0.2 - 0.4|
