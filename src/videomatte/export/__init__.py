"""Export to TorchScript and ONNX (dynamic or static shapes, fp16, int8), each checked against eager.

Import the submodules (``videomatte.export.onnx``, ``.torchscript``, ``.quantize``); ``ExportError`` lives in ``videomatte.errors``.
"""
from __future__ import annotations

from videomatte.errors import ExportError

__all__ = ["ExportError"]
