"""Training checkpoints: written atomically, holding everything an exact resume needs.

A checkpoint is a ``torch.save`` dict: ``format``, ``step`` (completed steps), ``model`` (the bare
network's state_dict, so the zoo's ``load_model(weights=PATH)`` reads it too), ``optimizer``,
``scaler``, ``config``, ``world_size`` and ``rng`` (Python, NumPy, torch CPU and CUDA states).
"""
from __future__ import annotations

import os
import pickle
import random
import re
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import torch

from videomatte.errors import CheckpointError

FORMAT = "videomatte-train-1"
_PATTERN = re.compile(r"checkpoint-(\d+)\.pt$")


def checkpoint_name(step: int) -> str:
    """File name of the checkpoint after ``step`` completed steps."""
    return f"checkpoint-{step:07d}.pt"


def save_atomic(state: dict[str, Any], path: Path) -> None:
    """Writes ``state`` to a temporary file next to ``path`` and renames it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.close(handle)
    try:
        torch.save(state, temporary)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def rng_state() -> dict[str, Any]:
    """The global random states of Python, NumPy and torch (CPU and all CUDA devices), as tensors and
    plain values so that the checkpoint loads with ``torch.load(weights_only=True)``."""
    name, keys, position, has_gauss, cached = np.random.get_state()
    return {
        "python": random.getstate(),
        "numpy": {"name": name, "keys": torch.from_numpy(keys.astype(np.int64)), "position": int(position),
                  "has_gauss": int(has_gauss), "cached": float(cached)},
        "torch": torch.get_rng_state(),
        "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
    }


def restore_rng_state(state: dict[str, Any]) -> None:
    """Inverse of :func:`rng_state`."""
    random.setstate(state["python"])
    n = state["numpy"]
    np.random.set_state((n["name"], n["keys"].numpy().astype(np.uint32), n["position"], n["has_gauss"], n["cached"]))
    torch.set_rng_state(state["torch"])
    if state["cuda"] and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def find_latest(run_dir: Path) -> Path:
    """The checkpoint with the most steps in ``run_dir``."""
    found = [(int(m.group(1)), p) for p in run_dir.glob("checkpoint-*.pt") if (m := _PATTERN.search(p.name))]
    if not found:
        raise CheckpointError(f"no checkpoint-*.pt in {run_dir}")
    return max(found)[1]


def load(path: Path) -> dict[str, Any]:
    """Reads a training checkpoint (a file, or a run folder whose latest checkpoint is taken)."""
    path = Path(path)
    if path.is_dir():
        path = find_latest(path)
    if not path.is_file():
        raise CheckpointError(f"checkpoint {path} does not exist")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except (pickle.UnpicklingError, RuntimeError, EOFError, zipfile.BadZipFile, OSError) as err:
        raise CheckpointError(f"cannot read checkpoint {path}: {err}") from None
    if not isinstance(state, dict) or state.get("format") != FORMAT:
        raise CheckpointError(f"{path} is not a videomatte training checkpoint (use it as --set model.weights=... instead)")
    state["path"] = path
    return state


def prune(run_dir: Path, keep: int) -> None:
    """Deletes all but the ``keep`` newest step checkpoints in ``run_dir``."""
    found = sorted((int(m.group(1)), p) for p in run_dir.glob("checkpoint-*.pt") if (m := _PATTERN.search(p.name)))
    for _, path in found[:-keep]:
        path.unlink(missing_ok=True)
