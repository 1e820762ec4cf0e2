"""videomatte: human video matting without a green screen.

The public API is imported lazily so that ``import videomatte`` (and the command line's ``--help``)
stays fast; the first use of a name below loads torch.
"""
from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

_LAZY = {
    "MattingNetwork": "videomatte.models.network",
    "load_model": "videomatte.models.weights.zoo",
    "available_models": "videomatte.models.registry",
    "MattingSession": "videomatte.inference.session",
    "convert": "videomatte.inference.convert",
    "LiveMatting": "videomatte.live.engine",
    "FrameMatter": "videomatte.live.frames",
    "matte_image": "videomatte.inference.stills",
}

__all__ = ["__version__", *_LAZY]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'videomatte' has no attribute {name!r}")
