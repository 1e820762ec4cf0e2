"""Conversion on a Ray cluster: inputs split into segments, matted by worker actors, joined in order.

``videomatte convert ... --engine ray`` and ``convert(..., engine="ray")`` land in
:func:`videomatte.cluster.driver.convert_on_ray`. Ray is imported only there (the ``cluster`` extra).
See ``docs/cluster.md`` for the design and the warm-up measurement.
"""
from videomatte.cluster.ray_engine import DEFAULT_SEGMENT_SECONDS, DEFAULT_WARMUP, FaultHooks, RayEngine

__all__ = ["DEFAULT_SEGMENT_SECONDS", "DEFAULT_WARMUP", "FaultHooks", "RayEngine"]
