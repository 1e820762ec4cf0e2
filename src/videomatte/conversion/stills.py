"""Photos: one picture through the recurrent network, as the first frame of a video, into picture files
(``videomatte convert photo.jpg -o cut.png``) or an RGBA array (:func:`matte_image`, like rembg's
``remove``).

``warmup`` steps the same picture through the network that many more times before the matte is
kept, so that the recurrent state has seen it (``docs/stills-and-ranges.md`` has the measurement
behind the default).
"""
from __future__ import annotations

import os
from contextlib import ExitStack
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from videomatte.conversion.output_writers import open_outputs
from videomatte.conversion.outputs import OutputPlan, render
from videomatte.io.stills import load_still, to_rgb_picture
from videomatte.inference.model_settings import ModelSettings
from videomatte.io.stream import VideoInfo

if TYPE_CHECKING:
    from videomatte.conversion.convert_options import ConvertOptions
    from PIL import Image

    from videomatte.inference.session import Matte, MattingSession

STILL_WARMUP = 2
"""Extra passes of a photo through the network before its matte is kept (measured: see the module)."""


def matte_still(session: MattingSession, picture: np.ndarray, warmup: int = STILL_WARMUP) -> Matte:
    """The matte of one picture (``uint8``/``uint16`` ``[H, W, 3]``) from a fresh recurrent state,
    after ``warmup`` extra passes of the same picture."""
    session.reset()
    src = session.to_input(picture)
    matte = session.step(src)
    for _ in range(warmup):
        matte = session.step(src)
    return matte


def convert_still(source: str, session: MattingSession, plans: list[OutputPlan], options: ConvertOptions) -> int:
    """Matte the photo ``source`` into the picture files of ``plans`` (written when all succeeded);
    returns 1, the frame count."""
    picture = load_still(source)
    height, width = picture.shape[:2]
    info = VideoInfo(path=Path(source), width=width, height=height, frame_rate=Fraction(1), time_base=Fraction(1),
                     frame_count=1, bit_depth=8 * picture.dtype.itemsize, codec="image")
    matte = matte_still(session, picture)
    src = session.to_input(picture)
    with ExitStack() as stack:
        for writer, plan, background in open_outputs(stack, plans, info, options):
            bits = 16 if writer.deep else 8
            pictures = render(plan.kind, src, matte.fgr, matte.pha, background, 0, options.premultiplied, bits)
            writer.write(pictures[0], 0, Fraction(1))
    return 1


def _as_picture(image: str | os.PathLike | np.ndarray | Image.Image) -> np.ndarray:
    """A path, an array (``[H, W]``, ``[H, W, 3]`` or ``[H, W, 4]``, ``uint8``/``uint16``) or a Pillow
    image as an upright RGB picture."""
    if isinstance(image, (str, os.PathLike)):
        return load_still(image)
    if isinstance(image, np.ndarray):
        if image.dtype not in (np.uint8, np.uint16):
            raise TypeError(f"pictures must be uint8 or uint16 arrays, not {image.dtype}")
        if image.ndim == 2:
            image = image[..., None]
        if image.ndim != 3 or image.shape[-1] not in (1, 3, 4):
            raise ValueError(f"expected a picture [H, W], [H, W, 3] or [H, W, 4], got shape {image.shape}")
        return np.ascontiguousarray(np.repeat(image, 3, axis=-1) if image.shape[-1] == 1 else image[..., :3])
    if hasattr(image, "convert") and hasattr(image, "mode"):  # a Pillow image
        from PIL import ImageOps

        return to_rgb_picture(ImageOps.exif_transpose(image))
    raise TypeError(f"matte_image takes a path, a numpy array or a Pillow image, not {type(image).__name__}")


_SESSIONS: dict[str, MattingSession] = {}  # matte_image's sessions by settings: the network loads once


def _session_for(settings: ModelSettings) -> MattingSession:
    from videomatte.inference.factory import create_session

    key = repr(sorted(settings.key().items()))
    if key not in _SESSIONS:
        _SESSIONS.clear()  # one network kept at a time
        _SESSIONS[key] = create_session(settings)
    return _SESSIONS[key]


def matte_image(image: str | os.PathLike | np.ndarray | Image.Image, settings: ModelSettings | None = None, *,
                warmup: int = STILL_WARMUP, **changes: Any) -> np.ndarray:
    """Cut the people out of one picture: like rembg's ``remove``, for human subjects.

    Args:
        image: a picture file (JPEG, PNG 8/16-bit, WebP, TIFF, HEIC with the ``heic`` extra; EXIF
            orientation applied), a ``uint8``/``uint16`` array ``[H, W]``/``[H, W, 3]``/``[H, W, 4]``
            RGB(A) (alpha ignored), or a Pillow image.
        settings: the model (``ModelSettings``; default the official MobileNetV3 in the fastest runtime),
            loaded once and kept for the next calls with the same settings; ``changes`` override its
            fields (``variant="resnet50"``, ``downsample_ratio=0.5``, ``despill=True``...).
        warmup: extra passes of the picture through the recurrent network before its matte is kept.

    Returns:
        ``uint8`` ``[H, W, 4]``: the picture's colour (the network's foreground) and straight alpha.

    Raises:
        VideoMatteError: an unreadable file, bad settings, or a ratio too small for the picture.
    """
    from videomatte.compositing import rgba
    from videomatte.inference.limits import check_frame
    from videomatte.io.frames import to_numpy

    picture = _as_picture(image)
    settings = (settings or ModelSettings()).replace(**changes)
    check_frame(picture.shape[0], picture.shape[1], settings.downsample_ratio)
    matte = matte_still(_session_for(settings), picture, warmup)
    return to_numpy(rgba(matte.fgr, matte.pha), 8)[0]
