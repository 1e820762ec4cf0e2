"""Pixel conventions shared by readers, writers and the inference pipeline.

On disk and in the readers/writers a picture is a numpy array ``[H, W, C]`` (or a stack ``[T, H, W, C]``)
of ``uint8`` (0..255) or ``uint16`` (0..65535, used for 10-bit and deeper video). The network works on
float tensors ``[T, C, H, W]`` in 0..1. The conversions below are the only place where the two meet:
each is a single vectorised pass, and float to integer rounds to nearest (it never truncates).
"""
from __future__ import annotations

import numpy as np
import torch

_MAX = {np.dtype(np.uint8): 255.0, np.dtype(np.uint16): 65535.0}


def max_value(dtype: np.dtype | type) -> float:
    """The value that stands for 1.0 in an integer picture of ``dtype`` (255 or 65535)."""
    try:
        return _MAX[np.dtype(dtype)]
    except KeyError:
        raise TypeError(f"pictures must be uint8 or uint16, not {np.dtype(dtype)}") from None


def to_tensor(
    pictures: np.ndarray, device: torch.device | str = "cpu", dtype: torch.dtype = torch.float32
) -> torch.Tensor:
    """Integer pictures to a float tensor.

    Args:
        pictures: ``uint8`` or ``uint16`` array ``[H, W, C]`` or ``[T, H, W, C]``.
        device: where the result lives; the integer data is moved first (4x less to copy than floats).
        dtype: floating dtype of the result.

    Returns:
        Tensor ``[T, C, H, W]`` in 0..1 (``T`` = 1 for a single picture), contiguous.
    """
    if pictures.ndim == 3:
        pictures = pictures[None]
    if pictures.ndim != 4:
        raise ValueError(f"expected [H,W,C] or [T,H,W,C] pictures, got shape {pictures.shape}")
    scale = 1.0 / max_value(pictures.dtype)
    if pictures.dtype == np.uint16:
        # torch has limited uint16 support: go through int32, exact for 0..65535.
        pictures = pictures.astype(np.int32)
    # Channels move first while the data is still integer (a quarter of the bytes of floats).
    planar = np.ascontiguousarray(pictures.transpose(0, 3, 1, 2))
    data = torch.from_numpy(planar).to(device, non_blocking=True)
    return data.to(dtype).mul_(scale)


def to_numpy(images: torch.Tensor, bits: int = 8) -> np.ndarray:
    """Float images in 0..1 to integer pictures, rounding to nearest.

    Args:
        images: tensor ``[T, C, H, W]`` (or ``[C, H, W]``), values clamped to 0..1.
        bits: 8 for ``uint8`` output, 16 for ``uint16``.

    Returns:
        Array ``[T, H, W, C]`` (``[H, W, C]`` for a 3-D input) on the CPU.
    """
    scale = full_scale(bits)
    # One copy into channel-last order first: every later step then runs in place on contiguous memory,
    # and the encoder gets a contiguous array (a strided one costs it a slow copy per frame).
    hwc = images.detach().movedim(-3, -1).to(torch.float32, memory_format=torch.contiguous_format, copy=True)
    return integer_pictures(hwc.mul_(scale).add_(0.5), bits)


def full_scale(bits: int) -> float:
    """The largest value of a ``bits``-bit picture (8 or 16)."""
    if bits not in (8, 16):
        raise ValueError(f"bits must be 8 or 16, not {bits}")
    return max_value(np.uint8 if bits == 8 else np.uint16)


def integer_pictures(scaled: torch.Tensor, bits: int, clamp: bool = True) -> np.ndarray:
    """Values already scaled to ``0..full_scale(bits)`` plus 0.5 (modified in place), clamped (unless the
    caller knows them in range) and truncated to ``uint8``/``uint16`` on the CPU: rounding to nearest."""
    if clamp:
        scaled.clamp_(0.0, full_scale(bits))
    if bits == 8:
        return scaled.to(torch.uint8).cpu().numpy()
    return scaled.to(torch.int32).cpu().numpy().astype(np.uint16)  # torch lacks most uint16 kernels


def channels_last(planes: np.ndarray) -> np.ndarray:
    """Integer pictures ``[T, C, H, W]`` as contiguous ``[T, H, W, C]`` (one interleaving copy; numpy's
    ``stack`` of the planes is about twice as fast here as a transposed copy)."""
    if planes.shape[1] == 1:
        return np.ascontiguousarray(planes.transpose(0, 2, 3, 1))
    return np.stack([planes[:, c] for c in range(planes.shape[1])], axis=-1)


def to_rgb(picture: np.ndarray) -> np.ndarray:
    """Any decoded picture to three channels: gray ``[H,W]``/``[H,W,1]`` is repeated, RGBA drops alpha.

    Args:
        picture: ``uint8``/``uint16`` array ``[H, W]``, ``[H, W, 1]``, ``[H, W, 2]`` (gray + alpha),
            ``[H, W, 3]`` or ``[H, W, 4]``.

    Returns:
        ``[H, W, 3]`` array of the same dtype.
    """
    if picture.ndim == 2:
        picture = picture[..., None]
    channels = picture.shape[-1]
    if channels in (1, 2):
        return np.repeat(picture[..., :1], 3, axis=-1)
    if channels in (3, 4):
        return picture[..., :3]
    raise ValueError(f"cannot make RGB from a picture with {channels} channels")
