"""What a ``videomatte serve`` instance allows: limits, model, queue and clean-up times."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class ServeSettings:
    """Settings of one web app.

    Attributes:
        max_upload_mb: largest accepted upload, in megabytes (10^6 bytes).
        max_duration_s: longest accepted video, in seconds.
        concurrency: conversions (and live streams) run at once; more requests wait in the queue.
        weights: ``"official"``, a weights file (``.pth``/``.safetensors``/``.onnx``), or ``None``
            (random initialisation, for tests).
        device: ``auto``, ``cpu``, ``cuda`` or ``mps``.
        session_ttl_s: a session's uploads and outputs are deleted when it ends or this long after
            they were made, whichever comes first.
        workspace: folder holding the per-session folders (default: a fresh temporary folder).
    """

    max_upload_mb: float = 500.0
    max_duration_s: float = 600.0
    concurrency: int = 1
    weights: str | os.PathLike | None = "official"
    device: str = "auto"
    session_ttl_s: float = 3600.0
    workspace: Path | None = None

    def __post_init__(self) -> None:
        if self.concurrency < 1:
            raise ValueError(f"concurrency must be at least 1, got {self.concurrency}")
        if self.max_upload_mb <= 0 or self.max_duration_s <= 0 or self.session_ttl_s <= 0:
            raise ValueError("upload size, duration and session time limits must be positive")

    @property
    def max_upload_bytes(self) -> int:
        """:attr:`max_upload_mb` in bytes."""
        return int(self.max_upload_mb * 1_000_000)
