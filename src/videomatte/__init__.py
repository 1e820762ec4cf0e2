"""videomatte: human video matting without a green screen.

The public API is imported lazily so that ``import videomatte`` (and the command line's ``--help``)
stays fast; the first use of a name below loads what it needs (torch for the network and sessions)::

    import videomatte
    session = videomatte.create_session(videomatte.ModelSettings(variant="mobilenetv3"))
    videomatte.convert("talk.mp4", output="talk.mov", subject=videomatte.SubjectPrompt.from_cli(["0.5,0.4"]))
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:  # the names below, for type checkers and editors
    from videomatte.conversion.batch import convert
    from videomatte.conversion.convert_options import ConvertOptions
    from videomatte.conversion.results import ConvertResult
    from videomatte.errors import BatchError, VideoMatteError
    from videomatte.finishing.settings import Finishing
    from videomatte.inference.factory import create_session
    from videomatte.inference.model_settings import ModelSettings
    from videomatte.inference.session import MattingSession
    from videomatte.live.frame_matter import FrameMatter
    from videomatte.live.loop import LiveMatting
    from videomatte.models.network import MattingNetwork
    from videomatte.models.registry import available_models
    from videomatte.models.weights.zoo import load_model
    from videomatte.subject.prompt import SubjectPrompt

_LAZY = {
    "ModelSettings": "videomatte.inference.model_settings",
    "create_session": "videomatte.inference.factory",
    "MattingSession": "videomatte.inference.session",
    "ConvertOptions": "videomatte.conversion.convert_options",
    "ConvertResult": "videomatte.conversion.results",
    "convert": "videomatte.conversion.batch",
    "SubjectPrompt": "videomatte.subject.prompt",
    "VideoMatteError": "videomatte.errors",
    "BatchError": "videomatte.errors",
    "MattingNetwork": "videomatte.models.network",
    "load_model": "videomatte.models.weights.zoo",
    "available_models": "videomatte.models.registry",
    "LiveMatting": "videomatte.live.loop",
    "FrameMatter": "videomatte.live.frame_matter",
    "Finishing": "videomatte.finishing.settings",
    "matte_image": "videomatte.conversion.stills",
}

__all__ = ["__version__", *_LAZY]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'videomatte' has no attribute {name!r}")
