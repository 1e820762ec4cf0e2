"""``RayEngine``: the Ray settings as a conversion engine (``ConvertOptions(engine=RayEngine(...))``)."""
from __future__ import annotations

from dataclasses import dataclass

from videomatte.cluster.driver import convert_on_ray
from videomatte.cluster.ray_settings import RaySettings
from videomatte.conversion.convert_options import ConvertOptions, Planned
from videomatte.conversion.results import ConvertResult


@dataclass(frozen=True)
class RayEngine(RaySettings):
    """Runs ``convert`` as segments matted by Ray workers and joined in order (``docs/cluster.md``); Ray
    itself is imported when ``run`` starts."""

    def run(self, planned: Planned, batch: bool, options: ConvertOptions) -> list[ConvertResult]:
        """See ``videomatte.conversion.convert_options.Engine``."""
        return convert_on_ray(self, planned, batch, options)
