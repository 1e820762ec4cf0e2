"""The Convert tab's edge preview: the first frame's matte, finished and despilled as the sliders say.

The network runs once per upload (when the preview is asked for); the raw matte is kept in the page's
state, and every change of a slider or of the despill box re-applies only the finishing and the despill
to it (tens of milliseconds), so the preview follows the sliders without converting the video again.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from videomatte.errors import VideoMatteError
from videomatte.finishing.settings import Finishing
from videomatte.web.settings import ServeSettings
from videomatte.web.subject_points import first_picture

if TYPE_CHECKING:
    from videomatte.inference.session import MattingSession


@dataclass(frozen=True)
class RawMatte:
    """The network's answer for one picture, before despill and finishing.

    Attributes:
        picture: the input ``uint8 [H, W, 3]``.
        fgr: foreground ``float32 [H, W, 3]`` in 0..1.
        pha: alpha ``float32 [H, W]`` in 0..1.
    """

    picture: np.ndarray = field(repr=False)
    fgr: np.ndarray = field(repr=False)
    pha: np.ndarray = field(repr=False)


def finishing_of(low: float, high: float, shrink: float, feather: float) -> Finishing:
    """The sliders' values as a ``Finishing`` (``OptionError``, one line, when low is not below high)."""
    return Finishing(levels=(float(low), float(high)), shrink=float(shrink), feather=float(feather))


def render_preview(raw: RawMatte, despill: bool, finishing: Finishing,
                   colour: tuple[float, float, float]) -> np.ndarray:
    """``raw`` despilled (if asked) and finished, over ``colour`` (RGB in 0..1): ``uint8 [H, W, 3]``."""
    import torch

    from videomatte.finishing.despill import despill as despill_edge
    from videomatte.finishing.matte import finish_matte

    with torch.inference_mode():
        src = torch.from_numpy(raw.picture).permute(2, 0, 1)[None].float() / 255
        fgr = torch.from_numpy(raw.fgr).permute(2, 0, 1)[None]
        pha = torch.from_numpy(raw.pha)[None, None]
        if despill:
            fgr = despill_edge(src, fgr, pha)
        pha = finish_matte(pha, finishing)
        back = torch.tensor(colour, dtype=fgr.dtype).view(1, 3, 1, 1)
        shown = pha * fgr + (1 - pha) * back
    return (shown[0].permute(1, 2, 0).clamp(0, 1).numpy() * 255).round().astype(np.uint8)


class EdgePreviewer:
    """Mattes the first frame of uploads for the preview, one model per variant, loaded on first use."""

    def __init__(self, settings: ServeSettings) -> None:
        self.settings = settings
        self._sessions: dict[str, MattingSession] = {}
        self._lock = threading.Lock()

    def raw_matte(self, upload: Path, model: str) -> RawMatte:
        """The raw matte of the upload's first frame by ``model``.

        Raises:
            VideoMatteError: the upload cannot be read (or is too large), or the model is unknown.
        """
        from videomatte.inference.factory import create_session

        picture = first_picture(upload, self.settings)
        with self._lock:
            if model not in self._sessions:  # one frame: eager, no graph to export first
                self._sessions[model] = create_session(self.settings.model, variant=model, backend="torch")
            session = self._sessions[model]
            session.reset()
            try:
                matte = session.step(picture)
            except ValueError as err:
                raise VideoMatteError(str(err)) from err
        fgr = matte.fgr[0].float().permute(1, 2, 0).cpu().numpy()
        return RawMatte(picture, np.ascontiguousarray(fgr), matte.pha[0, 0].float().cpu().numpy())
