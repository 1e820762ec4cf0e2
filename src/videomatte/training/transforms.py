"""Image operations on tensors for the augmentation (no torchvision).

Frames are ``[T, C, H, W]`` float tensors; colour frames have ``C = 3`` with values in [0, 1].
Per-frame parameters are lists or 1-D tensors of length ``T``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F

LUMA = (0.299, 0.587, 0.114)


@dataclass(frozen=True)
class Affine:
    """A similarity-plus-shear transform about the image centre.

    ``angle`` and the shears are in degrees; ``tx``/``ty`` are fractions of the width/height.
    """

    angle: float = 0.0
    tx: float = 0.0
    ty: float = 0.0
    scale: float = 1.0
    shear_x: float = 0.0
    shear_y: float = 0.0

    def lerp(self, other: "Affine", weight: float) -> "Affine":
        """``self * (1 - weight) + other * weight``, field by field."""
        mix = lambda a, b: a + (b - a) * weight  # noqa: E731
        return Affine(*(mix(getattr(self, f), getattr(other, f)) for f in self.__dataclass_fields__))


def warp_affine(frames: torch.Tensor, params: list[Affine], mode: str = "bilinear") -> torch.Tensor:
    """Applies ``params[t]`` to frame ``t``; uncovered pixels become 0.

    Arguments:
        frames (Tensor): ``[T, C, H, W]``.
        params (list of Affine): one per frame.
        mode (str): ``"bilinear"`` for images and alpha, ``"nearest"`` for label masks.
    """
    height, width = frames.shape[-2:]
    theta = torch.stack([_theta(p, width, height) for p in params]).to(frames.dtype)
    grid = F.affine_grid(theta, list(frames.shape), align_corners=False)
    return F.grid_sample(frames, grid, mode=mode, padding_mode="zeros", align_corners=False)


def _theta(p: Affine, width: int, height: int) -> torch.Tensor:
    angle, sx, sy = math.radians(p.angle), math.radians(p.shear_x), math.radians(p.shear_y)
    rotation = torch.tensor([[math.cos(angle), -math.sin(angle)], [math.sin(angle), math.cos(angle)]])
    shear = torch.tensor([[1.0, math.tan(sx)], [math.tan(sy), 1.0]])
    forward = rotation @ shear * p.scale
    half = torch.tensor([width / 2, height / 2])
    inverse = torch.linalg.inv(forward.double()).float()
    # In centred pixel units x = u * half: x_src = A^-1 (x_dst - t); convert back to normalised u.
    linear = inverse * half[None, :] / half[:, None]
    offset = -(inverse @ torch.tensor([p.tx * width, p.ty * height])) / half
    return torch.cat([linear, offset[:, None]], dim=1)


def resized_crop(frames: torch.Tensor, box: tuple[int, int, int, int], size: tuple[int, int],
                 mode: str = "bilinear") -> torch.Tensor:
    """Crops ``box = (top, left, height, width)`` and resizes it to ``size = (height, width)``."""
    top, left, height, width = box
    crop = frames[..., top : top + height, left : left + width]
    if crop.shape[-2:] == size:
        return crop.contiguous()
    if mode == "nearest":
        return F.interpolate(crop, size=size, mode="nearest")
    return F.interpolate(crop, size=size, mode="bilinear", align_corners=False, antialias=True)


def grayscale(frames: torch.Tensor) -> torch.Tensor:
    """``[T, 3, H, W]`` -> luma replicated to 3 channels."""
    weights = frames.new_tensor(LUMA).view(1, 3, 1, 1)
    return (frames * weights).sum(1, keepdim=True).expand_as(frames).contiguous()


def color_jitter(frames: torch.Tensor, brightness: torch.Tensor, contrast: torch.Tensor,
                 saturation: torch.Tensor, hue: torch.Tensor) -> torch.Tensor:
    """Brightness, contrast, saturation and hue, each with its own per-frame factors ``[T]``.

    Brightness/contrast/saturation factors are around 1 (1 = unchanged); ``hue`` is a rotation in
    turns (0 = unchanged), done as a rotation of the chroma plane of YIQ.
    """
    view = lambda v: v.to(frames).view(-1, 1, 1, 1)  # noqa: E731
    out = (frames * view(brightness)).clamp(0, 1)
    mean = grayscale(out)[:, :1].mean(dim=(-2, -1), keepdim=True)
    out = (out * view(contrast) + mean * (1 - view(contrast))).clamp(0, 1)
    gray = grayscale(out)
    out = (out * view(saturation) + gray * (1 - view(saturation))).clamp(0, 1)
    return _rotate_hue(out, hue.to(frames)).clamp(0, 1)


_RGB_TO_YIQ = torch.tensor([[0.299, 0.587, 0.114], [0.596, -0.274, -0.322], [0.211, -0.523, 0.312]])


def _rotate_hue(frames: torch.Tensor, turns: torch.Tensor) -> torch.Tensor:
    to_yiq = _RGB_TO_YIQ.to(frames)
    to_rgb = torch.linalg.inv(to_yiq.double()).to(frames)
    angle = turns * 2 * math.pi
    cos, sin = torch.cos(angle), torch.sin(angle)
    one, zero = torch.ones_like(cos), torch.zeros_like(cos)
    rotation = torch.stack([one, zero, zero, zero, cos, -sin, zero, sin, cos], dim=-1).view(-1, 3, 3)
    matrix = to_rgb @ rotation @ to_yiq
    return torch.einsum("tij,tjhw->tihw", matrix, frames)


def sharpen(frames: torch.Tensor, factor: float) -> torch.Tensor:
    """Blends with a 3x3 smoothed copy: 0 = smoothed, 1 = unchanged, above 1 = sharper; border kept."""
    channels = frames.shape[1]
    kernel = frames.new_tensor([[1.0, 1.0, 1.0], [1.0, 5.0, 1.0], [1.0, 1.0, 1.0]]) / 13
    smooth = F.conv2d(frames, kernel.expand(channels, 1, 3, 3), groups=channels)
    smooth = F.pad(smooth, (1, 1, 1, 1))
    inner = torch.zeros_like(frames[:1, :1])
    inner[..., 1:-1, 1:-1] = 1
    smooth = smooth * inner + frames * (1 - inner)
    return (smooth + factor * (frames - smooth)).clamp(0, 1)


def gaussian_blur(frames: torch.Tensor, sigmas: list[float]) -> torch.Tensor:
    """Blurs frame ``t`` with a Gaussian of standard deviation ``sigmas[t]`` pixels.

    The kernel has ``int(2 * sigma)`` taps, made odd; below 3 taps the frame is left unchanged.
    """
    out = []
    for frame, sigma in zip(frames, sigmas):
        taps = int(2 * sigma) | 1
        taps = min(taps, 2 * min(frame.shape[-2:]) - 1)
        out.append(frame if taps < 3 else _separable_blur(frame[None], sigma, taps)[0])
    return torch.stack(out)


def _separable_blur(image: torch.Tensor, sigma: float, taps: int) -> torch.Tensor:
    channels = image.shape[1]
    x = torch.arange(taps, dtype=image.dtype, device=image.device) - taps // 2
    kernel = torch.exp(-0.5 * (x / sigma) ** 2)
    kernel = kernel / kernel.sum()
    pad = taps // 2
    image = F.conv2d(F.pad(image, (pad, pad, 0, 0), mode="reflect"), kernel.view(1, 1, 1, -1).expand(channels, 1, 1, taps), groups=channels)
    return F.conv2d(F.pad(image, (0, 0, pad, pad), mode="reflect"), kernel.view(1, 1, -1, 1).expand(channels, 1, taps, 1), groups=channels)


def grain_noise(shape: tuple[int, ...], grain: int, sigma: float, mono: bool,
                generator: torch.Generator) -> torch.Tensor:
    """Gaussian noise ``[T, C, H, W]`` drawn at ``1/grain`` resolution and upsampled (film grain)."""
    frames, channels, height, width = shape
    small = (max(1, height // grain), max(1, width // grain))
    noise = torch.randn((frames, 1 if mono else channels, *small), generator=generator) * sigma
    noise = F.interpolate(noise, size=(height, width), mode="bilinear", align_corners=False)
    return noise.expand(frames, channels, height, width)
