"""Conversion on a Ray cluster: inputs split into segments, matted by worker actors, joined in order.

``videomatte convert ... --engine ray`` and ``convert(..., engine=RayEngine())`` run
:func:`videomatte.cluster.driver.convert_on_ray`. Ray is imported only there (the ``cluster`` extra),
and this package's names load on first use. See ``docs/cluster.md`` for the design.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from videomatte.cluster.ray_engine import RayEngine
    from videomatte.cluster.ray_settings import DEFAULT_SEGMENT_SECONDS, DEFAULT_WARMUP, FaultHooks

_LAZY = {"RayEngine": "videomatte.cluster.ray_engine", "FaultHooks": "videomatte.cluster.ray_settings",
         "DEFAULT_SEGMENT_SECONDS": "videomatte.cluster.ray_settings", "DEFAULT_WARMUP": "videomatte.cluster.ray_settings"}
__all__ = list(_LAZY)


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'videomatte.cluster' has no attribute {name!r}")
