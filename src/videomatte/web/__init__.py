"""``videomatte serve``: a web page (Gradio) for converting videos and matting a webcam live.

``build_app()`` returns the Gradio app, for embedding; ``launch()`` serves it. Needs the ``web`` extra
(``pip install 'videomatte[web]'``).
"""
from __future__ import annotations

from typing import Any

_LAZY = {"build_app": "videomatte.web.app", "launch": "videomatte.web.app",
         "ServeSettings": "videomatte.web.settings"}

__all__ = list(_LAZY)


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'videomatte.web' has no attribute {name!r}")
