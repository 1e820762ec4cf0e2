"""Put a matte to use: composites over a colour, an image, a looping video or a blurred input, and RGBA.

All tensors are float in 0..1: ``fgr``/``src`` ``[T, 3, H, W]``, ``pha`` ``[T, 1, H, W]``. A background
returns a tensor that broadcasts against ``[T, 3, H, W]``.
"""
from __future__ import annotations

import re
from abc import ABC, abstractmethod
from pathlib import Path
from typing import Callable

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

from videomatte.errors import MediaError
from videomatte.io.frames import channels_last, full_scale, integer_pictures

NAMED_COLORS = {"green": "#00B140", "blue": "#0047BB", "black": "#000000", "white": "#FFFFFF",
                "gray": "#808080", "grey": "#808080"}
_HEX = re.compile(r"^#?([0-9a-fA-F]{6})$")


def composite(fgr: Tensor, pha: Tensor, bgr: Tensor) -> Tensor:
    """``fgr * pha + bgr * (1 - pha)``, as ``[T, 3, H, W]``."""
    return torch.lerp(bgr.expand_as(fgr), fgr, pha)


def composite_pictures(fgr: Tensor, pha: Tensor, bgr: Tensor, bits: int = 8) -> np.ndarray:
    """``to_numpy(composite(fgr, pha, bgr), bits)`` with every float pass over contiguous planes
    (``bgr + pha * (fgr - bgr)``, scaled and rounded) and the channels interleaved once, as integers:
    5.5 ms instead of 8 at 1280x720 on one thread (strided channel-last float passes were the cost).

    Returns:
        Contiguous ``[T, H, W, 3]`` ``uint8`` (``bits`` 8) or ``uint16`` (16) pictures.
    """
    scale = full_scale(bits)
    bgr = bgr.float()
    out = torch.sub(fgr.float(), bgr).mul_(pha.float())
    out.add_(bgr).mul_(scale).add_(0.5)  # in [0.5, scale + 0.5]: inputs in 0..1 need no clamp
    return channels_last(integer_pictures(out, bits, clamp=False))


def rgba(fgr: Tensor, pha: Tensor, premultiplied: bool = False) -> Tensor:
    """Foreground with alpha ``[T, 4, H, W]``; colour multiplied by alpha when ``premultiplied``."""
    return torch.cat([fgr * pha if premultiplied else fgr, pha], dim=1)


def cover(image: Tensor, height: int, width: int) -> Tensor:
    """Scale ``image`` ``[N, 3, h, w]`` to cover ``height x width`` keeping its aspect, centre-cropped."""
    h, w = image.shape[-2:]
    scale = max(height / h, width / w)
    new_h, new_w = max(height, round(h * scale)), max(width, round(w * scale))
    if (new_h, new_w) != (h, w):
        image = F.interpolate(image, size=(new_h, new_w), mode="bilinear", align_corners=False, antialias=True)
    top, left = (new_h - height) // 2, (new_w - width) // 2
    return image[..., top:top + height, left:left + width]


class Background(ABC):
    """Base of the backgrounds: ``frames(src, index)`` gives what goes behind frames ``index..index+T-1``."""

    reads_pixels = False  # whether ``frames`` reads ``src``'s values (else only its shape, type, device)

    @abstractmethod
    def frames(self, src: Tensor, index: int) -> Tensor:
        """Background ``[T or 1, 3, H or 1, W or 1]`` in 0..1 for the input chunk ``src [T, 3, H, W]``."""

    def close(self) -> None:
        """Release files (looping video backgrounds)."""


class ColorBackground(Background):
    """A flat colour ``(r, g, b)`` in 0..1."""

    def __init__(self, rgb: tuple[float, float, float]) -> None:
        self.rgb = rgb

    def frames(self, src: Tensor, index: int) -> Tensor:
        return torch.tensor(self.rgb, dtype=src.dtype, device=src.device).view(1, 3, 1, 1)


class ImageBackground(Background):
    """A still image, scaled to cover the frame (cached per frame size)."""

    def __init__(self, path: Path) -> None:
        from videomatte.io.frames import to_tensor
        from videomatte.io.readers import load_image

        self.image = to_tensor(load_image(path))
        self._cache: dict[tuple, Tensor] = {}

    def frames(self, src: Tensor, index: int) -> Tensor:
        key = (src.shape[-2], src.shape[-1], src.device, src.dtype)
        if key not in self._cache:
            self._cache = {key: cover(self.image, *key[:2]).to(src.device, src.dtype)}
        return self._cache[key]


class VideoBackground(Background):
    """Another video, looped when it is shorter than the input, each frame scaled to cover.

    Frame ``i`` of the input gets frame ``i`` (modulo its length) of the background video: read in
    order, or after a seek when a caller starts further on (a segment of a Ray conversion).
    """

    def __init__(self, path: Path) -> None:
        from videomatte.io.readers import open_reader

        self.path = path
        self._reader = open_reader(path)
        self._frames = iter(self._reader)
        self._position = 0  # the input frame that the next background frame goes with

    def _seek(self, index: int) -> None:
        from videomatte.io.seeking import open_seekable

        self._reader.close()
        self._reader = open_seekable(self.path)
        count = len(self._reader.timestamps())
        self._frames = self._reader.frames(index % count, count)
        self._position = index

    def _next(self) -> Tensor:
        from videomatte.io.frames import to_tensor
        from videomatte.io.readers import open_reader

        frame = next(self._frames, None)
        if frame is None:
            self._reader.close()
            self._reader = open_reader(self.path)
            self._frames = iter(self._reader)
            frame = next(self._frames)
        self._position += 1
        return to_tensor(frame.image)

    def frames(self, src: Tensor, index: int) -> Tensor:
        if index > self._position:  # only forward: the live loop counts from 0 again after a reset
            self._seek(index)
        pictures = [cover(self._next(), src.shape[-2], src.shape[-1]) for _ in range(src.shape[0])]
        return torch.cat(pictures).to(src.device, src.dtype)

    def close(self) -> None:
        self._reader.close()


class BlurBackground(Background):
    """The input itself, heavily blurred (a box-downscale, a Gaussian, then a bilinear upscale)."""

    reads_pixels = True

    def __init__(self, sigma: float = 3.0, factor: int = 8) -> None:
        self.sigma, self.factor = sigma, factor

    def _kernel(self, src: Tensor) -> Tensor:
        radius = int(3 * self.sigma)
        x = torch.arange(-radius, radius + 1, dtype=src.dtype, device=src.device)
        kernel = torch.exp(-(x**2) / (2 * self.sigma**2))
        return (kernel / kernel.sum()).view(1, 1, 1, -1).repeat(3, 1, 1, 1)

    def frames(self, src: Tensor, index: int) -> Tensor:
        small = F.avg_pool2d(src, self.factor, ceil_mode=True)
        kernel = self._kernel(src)
        pad = kernel.shape[-1] // 2
        small = F.conv2d(F.pad(small, (pad, pad, 0, 0), mode="replicate"), kernel, groups=3)
        small = F.conv2d(F.pad(small, (0, 0, pad, pad), mode="replicate"), kernel.transpose(-1, -2), groups=3)
        # PyTorch's channels-last bilinear kernel is vectorised: 9 ms instead of 12 at 720p, copy included
        small = small.contiguous(memory_format=torch.channels_last)
        return F.interpolate(small, size=src.shape[-2:], mode="bilinear", align_corners=False).contiguous()


def backdrop_reference(background: Background | None, fgr: Tensor, frames: Callable[[], Tensor]) -> Tensor:
    """What ``background.frames`` should be given for a chunk: the input frames (``frames()``, made only
    then) where the background is made from their pixels (a blur), else the foreground, whose shape, type
    and device are all the others read (so a decoded picture need not be converted for them)."""
    return frames() if background is not None and background.reads_pixels else fgr


def parse_color(text: str) -> tuple[float, float, float] | None:
    """``green``/``white``/... or ``#RRGGBB`` as an RGB triple in 0..1; ``None`` if it is neither."""
    match = _HEX.match(NAMED_COLORS.get(text.lower(), text))
    if match is None:
        return None
    value = match.group(1)
    return tuple(int(value[i:i + 2], 16) / 255 for i in (0, 2, 4))  # type: ignore[return-value]


def parse_background(spec: str) -> Background:
    """A background from its description: a colour name, ``#RRGGBB``, ``blur``, an image or a video file.

    Raises:
        MediaError: neither a colour nor ``blur`` nor an existing file.
    """
    color = parse_color(spec)
    if color is not None:
        return ColorBackground(color)
    if spec.lower() == "blur":
        return BlurBackground()
    path = Path(spec)
    if not path.is_file():
        names = ", ".join(NAMED_COLORS)
        raise MediaError(f"background {spec!r} is not a colour ({names}, #RRGGBB), 'blur', or an existing file")
    from videomatte.io.files import is_image

    return ImageBackground(path) if is_image(path) else VideoBackground(path)

