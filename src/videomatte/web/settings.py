"""What a ``videomatte serve`` instance allows: limits, model, queue and clean-up times."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from videomatte.errors import OptionError
from videomatte.inference.model_settings import ModelSettings


@dataclass(frozen=True)
class ServeSettings:
    """Settings of one web app.

    Attributes:
        max_upload_mb: largest accepted upload, in megabytes (10^6 bytes).
        max_duration_s: longest accepted video, in seconds.
        concurrency: conversions (and live streams) run at once; more requests wait in the queue.
        model: the server's model (weights, device, runtime); each conversion may choose another variant
            and ratio.
        session_ttl_s: a session's uploads and outputs are deleted when it ends or this long after
            they were made, whichever comes first.
        workspace: folder holding the per-session folders (default: a fresh temporary folder).
    """

    max_upload_mb: float = 500.0
    max_duration_s: float = 600.0
    concurrency: int = 1
    model: ModelSettings = field(default_factory=ModelSettings)
    session_ttl_s: float = 3600.0
    workspace: Path | None = None

    def __post_init__(self) -> None:
        if self.concurrency < 1:
            raise OptionError(f"concurrency must be at least 1, got {self.concurrency}")
        if self.max_upload_mb <= 0 or self.max_duration_s <= 0 or self.session_ttl_s <= 0:
            raise OptionError("upload size, duration and session time limits must be positive")

    @property
    def max_upload_bytes(self) -> int:
        """:attr:`max_upload_mb` in bytes."""
        return int(self.max_upload_mb * 1_000_000)
