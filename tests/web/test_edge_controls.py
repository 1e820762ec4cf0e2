"""The Convert tab's edge controls: options from the sliders, and the one-frame preview re-rendered from
the kept raw matte without the network."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("gradio", reason="the web extra (gradio) is not installed")

from videomatte.errors import OptionError  # noqa: E402
from videomatte.finishing.settings import Finishing  # noqa: E402
from videomatte.web.choices import job_options  # noqa: E402
from videomatte.web.edge_controls import NO_PREVIEW, EdgeHandlers, preview_colour  # noqa: E402
from videomatte.web.edge_preview import RawMatte, finishing_of, render_preview  # noqa: E402
from videomatte.inference.model_settings import ModelSettings
from videomatte.web.settings import ServeSettings  # noqa: E402


def _raw() -> RawMatte:
    """A person (warm colour) on the right half over green, with a soft edge and a green-tinted rim."""
    alpha = np.clip((np.arange(64, dtype=np.float32) - 32) / 8 + 0.5, 0, 1)[None].repeat(24, 0)
    person, green = np.array([0.8, 0.5, 0.4], np.float32), np.array([0.0, 0.7, 0.25], np.float32)
    picture = alpha[..., None] * person + (1 - alpha[..., None]) * green
    return RawMatte((picture * 255).round().astype(np.uint8), picture.copy(), alpha)


def test_sliders_become_the_jobs_finishing() -> None:
    options = job_options("mov", [], "colour", None, None, "mobilenetv3", 0, True, True,
                          finishing_of(0.1, 0.9, -1, 2))
    assert options.model.despill and options.model.finishing == Finishing((0.1, 0.9), -1.0, 2.0)
    assert not job_options("mov", [], "colour", None, None, "mobilenetv3", 0, True).model.despill
    with pytest.raises(OptionError, match="levels"):
        finishing_of(0.5, 0.5, 0, 0)


def test_preview_follows_despill_and_levels_from_the_raw_matte() -> None:
    raw, white = _raw(), (1.0, 1.0, 1.0)
    plain = render_preview(raw, False, Finishing(), white)
    clean = render_preview(raw, True, Finishing(), white)
    rim = (raw.pha > 0.2) & (raw.pha < 0.8)
    greenness = lambda shown: float((shown[..., 1].astype(int) - shown[..., 0].astype(int))[rim].mean())  # noqa: E731
    assert greenness(clean) < greenness(plain) - 10, "despill takes the green out of the rim"
    clipped = render_preview(raw, False, Finishing(levels=(0.4, 0.6)), white)
    assert (clipped[:, :32] == 255).all() and not (plain[:, :32] == 255).all()


def test_refresh_without_a_raw_matte_asks_for_the_preview_and_keeps_the_picture() -> None:
    handlers = EdgeHandlers(ServeSettings(model=ModelSettings(weights=None, device="cpu")))
    shown, line = handlers.refresh(None, "colour", "#00ff00", True, 0, 1, 0, 0)
    assert line == NO_PREVIEW and shown == {"__type__": "update"}
    picture, line = handlers.refresh(_raw(), "image", None, False, 0.2, 0.9, 1, 1)
    assert picture.shape == (24, 64, 3) and line == ""
    assert preview_colour("colour", "#FF0000") == (1.0, 0.0, 0.0)
    _, line = handlers.refresh(_raw(), "colour", "#00ff00", False, 0.6, 0.6, 0, 0)
    assert "levels" in line


def test_preview_mattes_the_first_frame_once(odd_clip: Path) -> None:
    handlers = EdgeHandlers(ServeSettings(model=ModelSettings(weights=None, device="cpu")))
    shown, raw, line = handlers.preview([str(odd_clip)], "mobilenetv3", "colour", "#0000ff", True, 0, 1, 0.5, 1)
    assert shown.shape == (41, 73, 3) and raw.pha.shape == (41, 73) and "odd.mp4" in line
    none, _, line = handlers.preview(None, "mobilenetv3", "colour", "#0000ff", False, 0, 1, 0, 0)
    assert none is None and "upload" in line
