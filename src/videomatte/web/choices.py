"""The page's choices, turned into ``convert`` options (shared by the page and the HTTP API)."""
from __future__ import annotations

import re
from pathlib import Path

from videomatte.errors import VideoMatteError
from videomatte.finishing.settings import Finishing
from videomatte.inference.model_settings import ModelSettings
from videomatte.web.jobs import JobOptions

TRANSPARENT_CHOICES = [("ProRes 4444 (.mov)", "mov"), ("WebM VP9 with alpha (.webm)", "webm"),
                       ("PNG images (.zip)", "png"), ("none", "none")]
EXTRA_CHOICES = [("alpha matte (.mp4)", "alpha"), ("foreground (.mp4)", "foreground"),
                 ("composite over the background (.mp4)", "composite")]
BACKGROUND_CHOICES = [("colour", "colour"), ("image", "image"), ("video", "video"), ("blur", "blur")]
DEFAULT_EXTRAS = ["alpha"]
DEFAULT_COLOUR = "#00ff00"

_RGB = re.compile(r"rgba?\(\s*([\d.]+)\s*,\s*([\d.]+)\s*,\s*([\d.]+)")


def colour_spec(value: str | None) -> str:
    """A colour picker's value (``#rrggbb``, ``#rgb`` or ``rgb(r, g, b)``) as ``#RRGGBB``.

    Raises:
        VideoMatteError: not a colour.
    """
    text = (value or DEFAULT_COLOUR).strip()
    match = _RGB.match(text)
    if match:
        return "#" + "".join(f"{min(255, round(float(c))):02X}" for c in match.groups())
    if re.fullmatch(r"#[0-9a-fA-F]{3}", text):
        text = "#" + "".join(c * 2 for c in text[1:])
    if not re.fullmatch(r"#[0-9a-fA-F]{6}", text):
        raise VideoMatteError(f"background colour {text!r} is not #RRGGBB")
    return text.upper()


def background_spec(kind: str, colour: str | None, upload: str | None) -> str:
    """What ``convert(background=...)`` gets for the page's background choice.

    Raises:
        VideoMatteError: an image or video background without a file, or an unknown kind.
    """
    if kind == "colour":
        return colour_spec(colour)
    if kind == "blur":
        return "blur"
    if kind in ("image", "video"):
        if not upload:
            raise VideoMatteError(f"choose a background {kind} file, or another background")
        return str(Path(upload))
    raise VideoMatteError(f"background must be one of colour, image, video, blur, not {kind!r}")


def job_options(transparent: str, extras: list[str] | None, background_kind: str, colour: str | None,
                background_file: str | None, model: str, ratio: float | None, audio: bool,
                despill: bool = False, finishing: Finishing | None = None, base: ModelSettings | None = None,
                start: str | None = None, duration: str | None = None) -> JobOptions:
    """The inputs after the video, as one conversion's options (``ratio`` 0 or ``None``: automatic;
    ``start``/``duration`` empty: the whole video); ``model``, ``ratio``, ``despill`` and ``finishing``
    change ``base``, the server's model (its weights, device and runtime).

    Raises:
        VideoMatteError: an unknown output, nothing to make, a bad background or a bad time.
    """
    from videomatte.io.timecode import parse_range

    start, duration = (text.strip() if text and text.strip() else None for text in (start, duration))
    parse_range(start, duration)  # the command line's one line for a bad time, before any upload is read
    chosen = set(extras or [])
    unknown = chosen - {value for _, value in EXTRA_CHOICES}
    if unknown:
        raise VideoMatteError(f"unknown output {sorted(unknown)[0]!r}; choose from alpha, foreground, composite")
    if transparent == "none" and not chosen:
        raise VideoMatteError("nothing to make: choose a transparent video, or the alpha, foreground or composite")
    return JobOptions(transparent=transparent, alpha="alpha" in chosen, foreground="foreground" in chosen,
                      composite="composite" in chosen,
                      background=background_spec(background_kind, colour, background_file),
                      model=(base or ModelSettings()).replace(variant=model, downsample_ratio=float(ratio) if ratio else None,
                                                              despill=bool(despill), finishing=finishing or Finishing()),
                      audio=bool(audio), start=start, duration=duration)
