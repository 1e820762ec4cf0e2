"""Live matting: frames from a camera, a file played in real time, a stream or a synthetic pattern,
matted as they arrive and sent to a virtual camera, a window, a recording or a Python callback.

``FrameMatter`` mattes one frame at a time; ``LiveMatting`` runs the whole concurrent loop (``videomatte
live`` on the command line, and the web page's Live tab with a ``live.push.PushSource``).
"""
from __future__ import annotations

from typing import Any

_LAZY = {
    "FrameMatter": "videomatte.live.frame_matter",
    "MatteResult": "videomatte.live.frame_matter",
    "LiveMatting": "videomatte.live.loop",
    "LiveOptions": "videomatte.live.live_options",
    "LiveStats": "videomatte.live.stats",
}

__all__ = list(_LAZY)


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'videomatte.live' has no attribute {name!r}")
