"""The matting metrics of the RVM paper, per frame, vectorised over a leading batch of frames.

Every function takes alpha mattes as arrays of shape ``[..., H, W]`` (one frame ``[H, W]`` or a batch
``[N, H, W]``) and returns one value per frame (shape ``[...]``). Alpha is either ``uint8`` (0..255,
divided by 255 in float32 as the original scripts do) or float in ``[0, 1]`` (cast to float32).
Foregrounds are ``[..., H, W, 3]`` in the same units.

The arithmetic is the original ``evaluate_lr.py``'s, run under the NumPy 1.x it was written for:
pictures, differences, filters, the Conn round-down map and every per-frame sum are float32 (NumPy's
pairwise summation); a float32 sum divided by a Python number or scaled by ``1e3`` is promoted to
float64. Conn compares float32 alphas with float32 thresholds (``np.arange(0, 1.1, 0.1)`` cast, as
value-based casting did), so a matte of 153/255 passes the 0.6 threshold. Results agree with the
original to float32 rounding (about 1e-7 relative); they are returned as float64.

Scale factors follow the paper and its evaluation scripts:

===========  ================================================================  ========
name         per-frame definition                                              scale
===========  ================================================================  ========
``mad``      mean |p - t|                                                      x 1e3
``mse``      mean (p - t)^2                                                    x 1e3
``grad``     sum (|grad t| - |grad p|)^2, Gaussian-derivative filters s=1.4    / 1e3
``conn``     sum |phi(t) - phi(p)|, thresholds 0, 0.1, .., 1, 4-connectivity  / 1e3
``dtssd``    sqrt(sum ((p_t - p_t-1) - (t_t - t_t-1))^2 / (H W))               x 1e2
``fgr_mad``  mean |F_p - F_t| over the pixels (and channels) where t > 0       x 1e3
``fgr_mse``  mean (F_p - F_t)^2 over the pixels (and channels) where t > 0     x 1e3
===========  ================================================================  ========

No function divides by a quantity that can be zero: constant mattes give finite values.
"""
from __future__ import annotations

import math

import numpy as np
from scipy import ndimage

GRAD_SIGMA = 1.4
CONN_STEP = 0.1
DTSSD_FIRST_FRAME = ("zero", "skip")

# A 4-connected (cross-shaped) neighbourhood in the image plane.
_FOUR_CONNECTED = ndimage.generate_binary_structure(2, 1)


def as_unit(x: np.ndarray) -> np.ndarray:
    """Return ``x`` as float32 in ``[0, 1]``: ``uint8`` is divided by 255 (``uint16`` by 65535) in
    float32, floats are only cast."""
    x = np.asarray(x)
    if x.dtype == np.uint8:
        return x.astype(np.float32) / np.float32(255)
    if x.dtype == np.uint16:
        return x.astype(np.float32) / np.float32(65535)
    return x.astype(np.float32, copy=False)


def _frame_sums(x: np.ndarray) -> np.ndarray:
    """float32 sum of each frame ``[..., H, W]`` -> ``[...]``, in the order a flat frame is summed."""
    flat = np.ascontiguousarray(x, dtype=np.float32).reshape(*x.shape[:-2], x.shape[-2] * x.shape[-1])
    return flat.sum(axis=-1, dtype=np.float32)


def _frame_means(x: np.ndarray) -> np.ndarray:
    """float32 mean of each frame, as ``ndarray.mean`` of one float32 frame computes it."""
    count = x.shape[-1] * x.shape[-2]
    return (_frame_sums(x).astype(np.float64) / count).astype(np.float32)


def _check_pair(pred: np.ndarray, true: np.ndarray) -> None:
    if pred.shape != true.shape:
        raise ValueError(f"prediction shape {pred.shape} differs from ground truth {true.shape}")
    if pred.ndim < 2:
        raise ValueError(f"mattes need at least 2 dimensions [H, W], got shape {pred.shape}")


def mad(pred: np.ndarray, true: np.ndarray) -> np.ndarray:
    """Mean absolute difference x 1e3 per frame. ``[..., H, W]`` -> ``[...]``."""
    p, t = as_unit(pred), as_unit(true)
    _check_pair(p, t)
    return _frame_means(np.abs(p - t)).astype(np.float64) * 1e3


def mse(pred: np.ndarray, true: np.ndarray) -> np.ndarray:
    """Mean squared error x 1e3 per frame. ``[..., H, W]`` -> ``[...]``."""
    p, t = as_unit(pred), as_unit(true)
    _check_pair(p, t)
    return _frame_means(np.square(p - t)).astype(np.float64) * 1e3


def gaussian_gradient_kernels(sigma: float = GRAD_SIGMA) -> tuple[np.ndarray, np.ndarray]:
    """The two 1-D factors of the x-derivative filter ``fx = outer(g, dg)``.

    ``half = ceil(sigma * sqrt(-2 ln(sqrt(2 pi) sigma 1e-2)))`` (4 for sigma 1.4, a 9x9 filter);
    ``g`` is the Gaussian and ``dg`` its derivative sampled at ``-half..half``. Both factors are scaled so
    that ``outer(g, dg)`` has unit L2 norm, as the reference filter does.

    Returns:
        (g, dg): float64 arrays of length ``2 * half + 1``; ``fx[i, j] = g[i] * dg[j]``, ``fy = fx.T``.
    """
    half = math.ceil(sigma * math.sqrt(-2.0 * math.log(math.sqrt(2.0 * math.pi) * sigma * 1e-2)))
    x = np.arange(-half, half + 1, dtype=np.float64)
    g = np.exp(-(x**2) / (2.0 * sigma**2)) / (sigma * math.sqrt(2.0 * math.pi))
    dg = -x * g / sigma**2
    norm = math.sqrt(float(np.sum(g**2)) * float(np.sum(dg**2)))  # = L2 norm of outer(g, dg)
    return g / math.sqrt(norm), dg / math.sqrt(norm)


def gradient_magnitude(alpha: np.ndarray, sigma: float = GRAD_SIGMA) -> np.ndarray:
    """``sqrt(gx^2 + gy^2)`` of each frame with the Gaussian-derivative filters and replicate border.

    The filters are applied separably in float64 and rounded to float32 (``cv2.filter2D`` on a
    float32 picture, replicate border); the magnitude is float32.

    Args:
        alpha: ``[..., H, W]`` float mattes.
    Returns:
        ``[..., H, W]`` float32 gradient magnitude.
    """
    a = as_unit(alpha).astype(np.float64)
    g, dg = gaussian_gradient_kernels(sigma)
    row, col = a.ndim - 2, a.ndim - 1
    gx = ndimage.correlate1d(ndimage.correlate1d(a, g, axis=row, mode="nearest"), dg, axis=col, mode="nearest")
    gy = ndimage.correlate1d(ndimage.correlate1d(a, dg, axis=row, mode="nearest"), g, axis=col, mode="nearest")
    gx, gy = gx.astype(np.float32), gy.astype(np.float32)
    return np.sqrt(gx * gx + gy * gy)


def minmax_normalise(alpha: np.ndarray) -> np.ndarray:
    """Stretch each frame to ``[0, 1]`` as OpenCV's ``NORM_MINMAX`` does to a float32 picture: scale
    ``1 / (max - min)`` (0 when the span is below float64 epsilon: a constant frame becomes zeros) and
    shift ``-min * scale`` in float64, then ``a * scale + shift`` with both rounded to float32."""
    a = as_unit(alpha)
    lo = a.min(axis=(-2, -1), keepdims=True).astype(np.float64)
    span = a.max(axis=(-2, -1), keepdims=True).astype(np.float64) - lo
    scale = np.divide(1.0, span, out=np.zeros_like(span), where=span > np.finfo(np.float64).eps)
    shift = (-lo * scale).astype(np.float32).astype(np.float64)
    return (a * scale.astype(np.float32).astype(np.float64) + shift).astype(np.float32)


def grad(pred: np.ndarray, true: np.ndarray, *, normalise: bool = True, sigma: float = GRAD_SIGMA) -> np.ndarray:
    """Gradient error / 1e3 per frame. ``[..., H, W]`` -> ``[...]``.

    Args:
        normalise: min-max normalise both mattes per frame first, as the low-resolution script does
            (``True``); the high-resolution script does not (``False``).
    """
    p, t = as_unit(pred), as_unit(true)
    _check_pair(p, t)
    if normalise:
        p, t = minmax_normalise(p), minmax_normalise(t)
    diff = gradient_magnitude(t, sigma) - gradient_magnitude(p, sigma)
    return _frame_sums(np.square(diff)).astype(np.float64) / 1e3


def _largest_component(mask: np.ndarray) -> np.ndarray:
    """Boolean mask of the largest 4-connected component of ``mask`` [H, W] (first one on ties)."""
    labels, count = ndimage.label(mask, structure=_FOUR_CONNECTED)
    if count == 0:
        return np.zeros_like(mask, dtype=bool)
    sizes = np.bincount(labels.ravel(), minlength=count + 1)
    sizes[0] = 0
    return labels == int(np.argmax(sizes))


def conn_thresholds(step: float = CONN_STEP) -> np.ndarray:
    """``np.arange(0, 1 + step, step)`` as float32, the values float32 alphas are compared with."""
    return np.arange(0, 1 + step, step).astype(np.float32)


def _round_down_map(p: np.ndarray, t: np.ndarray, step: float) -> np.ndarray:
    """For each pixel (float32 ``[H, W]``), the last threshold at which it was still in the largest
    common component; 1 for pixels never left out."""
    thresholds = conn_thresholds(step)
    level_map = np.full(t.shape, -1.0, dtype=np.float32)
    for i in range(1, len(thresholds)):
        omega = _largest_component((t >= thresholds[i]) & (p >= thresholds[i]))
        level_map[(level_map == -1) & ~omega] = thresholds[i - 1]
    level_map[level_map == -1] = 1
    return level_map


def _conn_frame(p: np.ndarray, t: np.ndarray, step: float) -> float:
    level_map = _round_down_map(p, t, step)
    d_t, d_p = t - level_map, p - level_map
    least = np.float32(0.15)
    phi_t = np.float32(1) - d_t * (d_t >= least)
    phi_p = np.float32(1) - d_p * (d_p >= least)
    return float(np.abs(phi_t - phi_p).sum(dtype=np.float32)) / 1e3


def conn(pred: np.ndarray, true: np.ndarray, *, step: float = CONN_STEP) -> np.ndarray:
    """Connectivity error / 1e3 per frame. ``[..., H, W]`` -> ``[...]``.

    For thresholds ``theta_i = i * step`` (i = 1..1/step), ``omega_i`` is the largest 4-connected component
    of ``(t >= theta_i) & (p >= theta_i)``; a pixel first left out of ``omega_i`` gets level ``theta_(i-1)``,
    pixels never left out get 1. With ``d = alpha - level``, ``phi = 1 - d * (d >= 0.15)`` and the error is
    ``sum |phi_t - phi_p|``.
    """
    p, t = as_unit(pred), as_unit(true)
    _check_pair(p, t)
    flat_p, flat_t = p.reshape(-1, *p.shape[-2:]), t.reshape(-1, *t.shape[-2:])
    values = [_conn_frame(fp, ft, step) for fp, ft in zip(flat_p, flat_t)]
    return np.asarray(values, dtype=np.float64).reshape(p.shape[:-2])


def dtssd(pred: np.ndarray, true: np.ndarray, pred_prev: np.ndarray, true_prev: np.ndarray) -> np.ndarray:
    """Temporal-coherence error x 1e2 of frames against their predecessors. ``[..., H, W]`` -> ``[...]``.

    ``sqrt(sum(((p_t - p_t-1) - (t_t - t_t-1))^2) / (H W)) * 1e2``. The first frame of a clip has no
    predecessor; see :func:`dtssd_sequence` for the two conventions.
    """
    p, t, pp, tp = (as_unit(a) for a in (pred, true, pred_prev, true_prev))
    _check_pair(p, t)
    _check_pair(pp, tp)
    _check_pair(p, pp)
    diff = (p - pp) - (t - tp)
    count = diff.shape[-1] * diff.shape[-2]
    return np.sqrt(_frame_sums(np.square(diff)).astype(np.float64) / count) * 1e2


def dtssd_sequence(pred: np.ndarray, true: np.ndarray, first_frame: str = "zero") -> np.ndarray:
    """dtSSD of every frame of one clip ``[T, H, W]``.

    Args:
        first_frame: ``"zero"`` (the original scripts): frame 0 is recorded as 0 and averaged in, which
            lowers a clip's mean by a factor ``(T - 1) / T``; returns ``[T]``. ``"skip"``: frame 0 has no
            value; returns ``[T - 1]``.
    """
    if first_frame not in DTSSD_FIRST_FRAME:
        raise ValueError(f"first_frame must be one of {DTSSD_FIRST_FRAME}, got {first_frame!r}")
    p, t = as_unit(pred), as_unit(true)
    _check_pair(p, t)
    later = dtssd(p[1:], t[1:], p[:-1], t[:-1])
    return np.concatenate([[0.0], later]) if first_frame == "zero" else later


def _fgr_errors(pred_fgr: np.ndarray, true_fgr: np.ndarray, true_pha: np.ndarray, power: int) -> np.ndarray:
    f_p, f_t, t = as_unit(pred_fgr), as_unit(true_fgr), as_unit(true_pha)
    _check_pair(f_p, f_t)
    if f_p.shape[:-1] != t.shape or f_p.shape[-1] != 3:
        raise ValueError(f"foregrounds {f_p.shape} must be [..., H, W, 3] matching alpha {t.shape}")
    err = np.abs(f_p - f_t) ** power
    mask = t > 0
    flat_err, flat_mask = err.reshape(-1, *err.shape[-3:]), mask.reshape(-1, *mask.shape[-2:])
    values = np.zeros(len(flat_err))
    for index, (frame, inside) in enumerate(zip(flat_err, flat_mask)):
        picked = frame[inside]  # [K, 3] float32, summed flat as ``mean`` of the original's selection
        if picked.size:
            values[index] = float(np.float32(picked.sum(dtype=np.float32) / np.float64(picked.size))) * 1e3
    return values.reshape(mask.shape[:-2])


def fgr_mad(pred_fgr: np.ndarray, true_fgr: np.ndarray, true_pha: np.ndarray) -> np.ndarray:
    """Foreground MAD x 1e3 on the pixels where the true alpha is > 0. ``[..., H, W, 3]`` -> ``[...]``.

    A frame without any such pixel gets 0; :func:`foreground_pixels` tells those frames apart.
    """
    return _fgr_errors(pred_fgr, true_fgr, true_pha, 1)


def fgr_mse(pred_fgr: np.ndarray, true_fgr: np.ndarray, true_pha: np.ndarray) -> np.ndarray:
    """Foreground MSE x 1e3 on the pixels where the true alpha is > 0. ``[..., H, W, 3]`` -> ``[...]``."""
    return _fgr_errors(pred_fgr, true_fgr, true_pha, 2)


def foreground_pixels(true_pha: np.ndarray) -> np.ndarray:
    """Number of pixels with true alpha > 0 per frame. ``[..., H, W]`` -> ``[...]`` int."""
    return (np.asarray(true_pha) > 0).sum(axis=(-2, -1))
