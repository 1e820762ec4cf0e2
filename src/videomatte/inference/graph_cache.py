"""On-disk cache of the static ONNX graphs that the onnxruntime backend exports per frame size and ratio.

Exporting the network for a new frame size takes about a second (tracing, folding, the CPU rewrites
of ``videomatte.export``): a noticeable share of a short clip's conversion, paid again by every process.
Graphs are kept in ``<cache>/graphs`` (the weights cache, ``$VIDEOMATTE_CACHE`` moves both) under a
digest of everything they depend on: the weights, the variant and refiner, the export settings, and
the source of this package's model and export code with the torch and onnx versions. A cache that
cannot be written is skipped; a cached file that onnxruntime cannot load is exported again. The
folder is kept under ``MAX_CACHE_BYTES``: after each store the least recently used graphs go first
(a graph is about 15 MB, and every frame size and ratio has its own; the live loop uses two per size).
"""
from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Callable

import torch
from torch import nn

from videomatte.models.weights.download import cache_dir

if TYPE_CHECKING:
    from videomatte.export.onnx import OnnxSettings

log = logging.getLogger(__name__)
# Weights no exported graph reads: the segmentation head (training only), which loading the authors'
# ONNX file leaves at a fresh random initialisation on every load.
UNUSED_PREFIXES = ("project_seg.",)
_PACKAGE = Path(__file__).resolve().parents[1]
MAX_CACHE_BYTES = 1 << 30


def graphs_dir() -> Path:
    """Where cached graphs live (not created here)."""
    return cache_dir() / "graphs"


def _code_fingerprint() -> bytes:
    """The model and export source files (subfolders too) and the versions of the tools that make the
    graph, so that a changed exporter never reuses an old graph."""
    import onnx
    import onnxslim

    versions = f"torch {torch.__version__} onnx {onnx.__version__} onnxslim {onnxslim.__version__}"
    digest = hashlib.sha256(versions.encode())
    for folder in ("models", "export"):
        for path in sorted((_PACKAGE / folder).rglob("*.py")):  # models/ has blocks/, designs/, weights/
            digest.update(path.relative_to(_PACKAGE).as_posix().encode() + path.read_bytes())
    return digest.digest()


def graph_key(model: nn.Module, settings: OnnxSettings) -> str:
    """Hex digest naming the graph of ``model`` (its weights, variant and refiner) under ``settings``."""
    digest = hashlib.sha256(_code_fingerprint())
    digest.update(repr((getattr(model, "variant", None), getattr(model, "refiner_name", None), settings)).encode())
    for name, tensor in model.state_dict().items():
        if name.startswith(UNUSED_PREFIXES):
            continue
        data = tensor.detach().cpu().contiguous()
        digest.update(f"{name}{tuple(data.shape)}{data.dtype}".encode())
        digest.update(data.reshape(-1).view(torch.uint8).numpy().tobytes())
    return digest.hexdigest()[:32]


def load_or_export(model: nn.Module, settings: OnnxSettings, export: Callable[[Path], None], fresh: bool = False) -> bytes:
    """The serialized graph of ``model`` under ``settings``: from the cache, else made by ``export(path)``
    and stored (``fresh`` skips the cached copy, e.g. when onnxruntime rejected it)."""
    target = graphs_dir() / f"{graph_key(model, settings)}.onnx"
    if target.is_file() and not fresh:
        _touch(target)
        return target.read_bytes()
    with tempfile.TemporaryDirectory(prefix="videomatte-ort-") as tmp:
        path = Path(tmp) / "model.onnx"
        export(path)
        data = path.read_bytes()
    _store(target, data)
    return data


def _store(target: Path, data: bytes) -> None:
    """Write ``data`` to ``target`` through a temporary name, so no reader ever sees half a graph."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, staged = tempfile.mkstemp(dir=target.parent, prefix=".graph-", suffix=".onnx")
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.replace(staged, target)
        prune(target.parent)
    except OSError as err:
        log.debug("not caching the exported graph at %s: %s", target, err)


def _touch(path: Path) -> None:
    """Mark a cached graph as just used (the pruning keeps the most recently used)."""
    try:
        os.utime(path)
    except OSError:
        pass


def prune(folder: Path, limit: int = MAX_CACHE_BYTES, pattern: str = "*.onnx") -> list[Path]:
    """Delete the least recently used ``pattern`` files (graphs) of ``folder`` until the rest fit in
    ``limit`` bytes; returns what was deleted (files another process removes first are skipped)."""
    graphs = []
    for path in folder.glob(pattern):
        try:
            stat = path.stat()
        except OSError:
            continue
        graphs.append((stat.st_mtime, stat.st_size, path))
    graphs.sort(reverse=True)  # newest first
    total, removed = 0, []
    for _, size, path in graphs:
        total += size
        if total > limit:
            try:
                path.unlink()
                removed.append(path)
            except OSError:
                pass
    return removed
