"""The matte's finishing: levels, shrink/grow along the edge's normal, feather (see ``Finishing``).

Shrink moves every level of a soft edge by the same distance, so the edge keeps its softness and the
move can be a fraction of a pixel: each pixel takes the alpha found ``shrink`` pixels outward along the
edge's normal (bilinear), the normal being the gradient of the matte blurred at the scale of the move
(so that it exists inside a hard edge too, up to the distance asked). Where the normal vanishes (the
middle line of a strand thinner than twice the move, or of a gap between two), an erosion (dilation
when growing) by a diamond of the move's whole pixels, which never reaches further than the move,
finishes the job: a thin strand goes away instead of keeping its middle.
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor

from videomatte.finishing.blur import gaussian_blur
from videomatte.finishing.near_edge import edge_pieces
from videomatte.finishing.settings import Finishing

_FLAT = 1e-6  # below this gradient (per pixel) the matte is flat: no edge to move


def finish_matte(pha: Tensor, finishing: Finishing) -> Tensor:
    """``pha`` ``[T, 1, H, W]`` in 0..1 finished as ``finishing`` asks (itself when it asks nothing)."""
    if finishing.is_identity:
        return pha
    low, high = finishing.levels
    if (low, high) != (0.0, 1.0):
        pha = ((pha - low) / (high - low)).clamp(0, 1)
    if finishing.shrink:
        pha = shrink(pha, finishing.shrink)
    if finishing.feather:
        pha = gaussian_blur(pha, finishing.feather / 2).clamp(0, 1)
    return pha


def shrink(pha: Tensor, pixels: float) -> Tensor:
    """Move the edges of ``pha`` ``[T, 1, H, W]`` inward by ``pixels`` (outward when negative).

    Worked only near the matte's edges (:func:`~videomatte.finishing.near_edge.edge_pieces`): each
    piece with a margin wide enough for the normal's blur, the move and the diamond, its crop aligned
    to the normal's shrunk grid, so the result is the whole frame's (tested to within 1e-5)."""
    factor = _normal_factor(abs(pixels))
    reach = math.ceil(abs(pixels)) + 1  # farthest a changed pixel lies from a pixel whose neighbour differs
    margin = factor * (_blur_radius(abs(pixels), factor) + 3) + reach
    out = pha.clone()
    height, width = pha.shape[-2:]
    for t in range(pha.shape[0]):
        for rows, cols in edge_pieces(pha[t, 0], reach, 2 * margin):
            crop = tuple(slice(max(0, (s.start - margin) // factor * factor), min(n, s.stop + margin))
                         for s, n in zip((rows, cols), (height, width)))
            moved = shrink_whole(pha[t:t + 1, :, crop[0], crop[1]], pixels)
            core = (slice(rows.start - crop[0].start, rows.stop - crop[0].start),
                    slice(cols.start - crop[1].start, cols.stop - crop[1].start))
            out[t, :, rows, cols] = moved[0, :, core[0], core[1]]
    return out


def shrink_whole(pha: Tensor, pixels: float) -> Tensor:
    """:func:`shrink` computed over every pixel of ``pha`` ``[T, 1, H, W]``."""
    moved = _move_along_normal(pha, pixels)
    steps = int(abs(pixels))
    if steps == 0:
        return moved
    extreme = torch.minimum if pixels > 0 else torch.maximum  # erode when shrinking, dilate when growing
    diamond = pha
    for _ in range(steps):
        diamond = _cross_step(diamond, extreme)
    return extreme(moved, diamond)


def _cross_step(x: Tensor, extreme) -> Tensor:  # extreme: torch.minimum or torch.maximum
    """Each pixel's extreme with its four neighbours (shifted slices: no padding, no copies of -x)."""
    out = x.clone()
    for dim in (-2, -1):
        size = x.shape[dim]
        if size > 1:
            head, tail = out.narrow(dim, 0, size - 1), out.narrow(dim, 1, size - 1)
            head.copy_(extreme(head, x.narrow(dim, 1, size - 1)))
            tail.copy_(extreme(tail, x.narrow(dim, 0, size - 1)))
    return out


def _move_along_normal(pha: Tensor, pixels: float) -> Tensor:
    """Each pixel's alpha read ``pixels`` outward along the edge's normal (bilinear)."""
    normal = edge_normal(pha, abs(pixels))
    height, width = pha.shape[-2:]
    ys = torch.arange(height, device=pha.device, dtype=pha.dtype).view(1, -1, 1)
    xs = torch.arange(width, device=pha.device, dtype=pha.dtype).view(1, 1, -1)
    x = xs - pixels * normal[:, 0]
    y = ys - pixels * normal[:, 1]
    grid = torch.stack([(x + 0.5) / width * 2 - 1, (y + 0.5) / height * 2 - 1], -1)
    return F.grid_sample(pha, grid, mode="bilinear", padding_mode="border", align_corners=False)


def _normal_factor(scale: float) -> int:
    """How much :func:`edge_normal` shrinks the matte for a move of ``scale`` pixels."""
    return max(2, int(scale // 2))


def _normal_sigma(scale: float, factor: int) -> float:
    """The blur of the shrunk matte :func:`edge_normal` takes the normal from, in shrunk pixels."""
    return max(scale, 1.0) / factor


def _blur_radius(scale: float, factor: int) -> int:
    """Shrunk pixels that blur reaches (:func:`~videomatte.finishing.blur.gaussian_blur`'s kernel)."""
    return max(1, int(3 * _normal_sigma(scale, factor) + 0.5))


def edge_normal(pha: Tensor, scale: float) -> Tensor:
    """Unit vectors ``[T, 2, H, W]`` (x, y) pointing into the matte (towards higher alpha), zero where
    the matte blurred by ``scale`` pixels is flat. Computed on a frame shrunk by about ``scale / 2``
    (at least 2: the normal's direction is smooth)."""
    factor = _normal_factor(scale)
    small = F.avg_pool2d(pha, factor, ceil_mode=True) if factor > 1 else pha
    smooth = gaussian_blur(small, _normal_sigma(scale, factor))
    grad_y, grad_x = torch.gradient(smooth[:, 0], dim=(-2, -1))
    grad = torch.stack([grad_x, grad_y], 1) / factor
    if factor > 1:
        size = (small.shape[-2] * factor, small.shape[-1] * factor)
        grad = F.interpolate(grad, size=size, mode="bilinear", align_corners=False)
        grad = grad[..., : pha.shape[-2], : pha.shape[-1]]
    length = torch.hypot(grad[:, :1], grad[:, 1:])  # Tensor.norm over this short axis is far slower
    return torch.where(length > _FLAT, grad / length.clamp(min=_FLAT), torch.zeros_like(grad))
