"""One local Ray instance for every test of this folder that asks for it (starting one costs seconds)."""
from __future__ import annotations

import pytest


@pytest.fixture(scope="package")
def ray_local():
    ray = pytest.importorskip("ray", reason="the ray engine needs the 'cluster' extra (ray)")
    ray.init(address="local", num_cpus=2, include_dashboard=False, log_to_driver=False)  # never a running cluster
    yield ray
    ray.shutdown()
