"""Training logs: ``metrics.jsonl`` in the run folder always, TensorBoard when asked or installed."""
from __future__ import annotations

import json
import sys
from pathlib import Path

from videomatte.errors import ConfigError

TENSORBOARD_HINT = "pip install 'videomatte[train]' (or pip install tensorboard)"


class Monitor:
    """Writes scalars from the main process (other ranks get a silent monitor).

    Arguments:
        run_dir (Path): the run's output folder.
        tensorboard (str): ``"auto"``, ``"on"`` or ``"off"``.
        active (bool): ``False`` on ranks other than 0.
    """

    def __init__(self, run_dir: Path, tensorboard: str, active: bool) -> None:
        self.active, self.writer, self.file = active, None, None
        if not active:
            return
        run_dir.mkdir(parents=True, exist_ok=True)
        self.file = open(run_dir / "metrics.jsonl", "a", encoding="utf-8")
        if tensorboard == "off":
            return
        try:
            from torch.utils.tensorboard import SummaryWriter
        except ImportError:
            if tensorboard == "on":
                raise ConfigError(f"log.tensorboard = \"on\" but TensorBoard is not installed: {TENSORBOARD_HINT}") from None
            print(f"videomatte: TensorBoard not installed, logging to {run_dir / 'metrics.jsonl'} only ({TENSORBOARD_HINT})",
                  file=sys.stderr)
            return
        self.writer = SummaryWriter(str(run_dir / "tensorboard"))

    def scalars(self, step: int, tag: str, values: dict[str, float]) -> None:
        """Records ``values`` under ``tag`` (e.g. ``train_lr``) at ``step``."""
        if not self.active:
            return
        assert self.file is not None
        self.file.write(json.dumps({"step": step, "tag": tag, **values}) + "\n")
        self.file.flush()
        if self.writer is not None:
            for name, value in values.items():
                self.writer.add_scalar(f"{tag}/{name}", value, step)

    def close(self) -> None:
        if self.file is not None:
            self.file.close()
        if self.writer is not None:
            self.writer.close()
