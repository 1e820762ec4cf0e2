"""Fixtures of the training tests; the data writers live in ``training_data.py``."""
from __future__ import annotations

from pathlib import Path

import pytest

from training_data import write_backgrounds, write_videomatte


@pytest.fixture
def data_root(tmp_path: Path) -> Path:
    """A data root with VideoMatte240K-style train/valid splits and backgrounds."""
    write_videomatte(tmp_path / "vm" / "train", clips=2, frames=4)
    write_videomatte(tmp_path / "vm" / "valid", clips=1, frames=4)
    write_backgrounds(tmp_path / "bg")
    return tmp_path
