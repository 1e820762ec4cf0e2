"""Export to TorchScript and ONNX (dynamic or static shapes, fp16, int8), each checked against eager.

Import the submodules (``videomatte.export.onnx``, ``.torchscript``, ``.quantize``); this package
module stays light so that the command line can name ``ExportError`` without loading torch.
"""
from __future__ import annotations

from videomatte.errors import VideoMatteError


class ExportError(VideoMatteError, ValueError):
    """Export arguments that do not fit together, or an export that failed its check."""
