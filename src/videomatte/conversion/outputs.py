"""What each output of a conversion holds, and how a matte becomes its pictures."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from torch import Tensor

from videomatte.errors import VideoMatteError
from videomatte.compositing import Background, composite_pictures, rgba
from videomatte.io.codecs import supports_alpha
from videomatte.io.frames import to_numpy


KINDS = ("rgba", "composite", "alpha", "foreground")


@dataclass(frozen=True)
class OutputPlan:
    """One output of a conversion.

    Attributes:
        path: file, or folder ending in ``/`` for an image sequence; may hold ``{name}``.
        kind: ``rgba`` (foreground + alpha), ``composite`` (over the background), ``alpha`` (the matte as
            gray) or ``foreground`` (colour without alpha).
        codec: codec override (only for the main output).
    """

    path: str
    kind: str
    codec: str | None = None

    def for_input(self, name: str) -> "OutputPlan":
        """This output with ``{name}`` replaced by an input's name."""
        return OutputPlan(self.path.replace("{name}", name), self.kind, self.codec)


def plan_outputs(output: str | Path | None, alpha: str | Path | None, foreground: str | Path | None,
                 composite_path: str | Path | None, codec: str | None = None) -> list[OutputPlan]:
    """The outputs asked for. ``output`` holds foreground + alpha when its format has alpha (``.mov``,
    ``.webm``, ``.mkv``, a folder), else a composite (``.mp4``).

    Raises:
        VideoMatteError: no output at all.
    """
    plans = []
    if output is not None:
        main = str(output)
        plans.append(OutputPlan(main, "rgba" if supports_alpha(main, codec) else "composite", codec))
    for path, kind in ((alpha, "alpha"), (foreground, "foreground"), (composite_path, "composite")):
        if path is not None:
            plans.append(OutputPlan(str(path), kind))
    if not plans:
        raise VideoMatteError("nothing to write: give -o OUTPUT, --alpha, --foreground or --composite")
    seen: dict[str, str] = {}
    for plan in plans:
        key = os.path.normpath(os.path.abspath(plan.path))
        if key in seen:
            raise VideoMatteError(f"{plan.path}: given for two outputs ({seen[key]} and {plan.kind}); "
                                  "give each output its own path")
        seen[key] = plan.kind
    return plans


def render(kind: str, src: Tensor, fgr: Tensor, pha: Tensor, background: Background | None, index: int,
           premultiplied: bool = False, bits: int = 8) -> np.ndarray:
    """Pictures of one output for a chunk.

    Args:
        kind: one of :data:`KINDS`.
        src: input frames ``[T, 3, H, W]`` (for a blurred-input background), 0..1.
        fgr: foreground ``[T, 3, H, W]``, 0..1.
        pha: alpha ``[T, 1, H, W]``, 0..1.
        background: behind the composite (only for ``composite``).
        index: number of the chunk's first frame (for video backgrounds).
        premultiplied: for ``rgba``, multiply colour by alpha.
        bits: 8 or 16, the integer depth of the result.

    Returns:
        ``[T, H, W, C]`` integer pictures: C = 4 (rgba), 3 (composite, foreground) or 1 (alpha).
    """
    if kind == "rgba":
        images = rgba(fgr, pha, premultiplied)
    elif kind == "composite":
        return composite_pictures(fgr, pha, background.frames(src, index), bits)  # type: ignore[union-attr]
    elif kind == "alpha":
        images = pha
    elif kind == "foreground":
        images = fgr
    else:
        raise ValueError(f"unknown output kind {kind!r}")
    return to_numpy(images, bits)
