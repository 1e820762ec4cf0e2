"""``convert``: matte videos, image sequences, photos, or folders of them into files.

It reads the inputs, plans every input's outputs and hands them to the options' engine (``LocalEngine``: this
process, see ``conversion/pipeline.py``; or the cluster's ``RayEngine``), whatever the engine, a batch
with failed inputs ends in one ``BatchError`` holding every input's result.
"""
from __future__ import annotations

import os
from typing import Any, Sequence

from videomatte.conversion.convert_options import ConvertOptions
from videomatte.conversion.engines import LocalEngine
from videomatte.conversion.inputs import plan_sources
from videomatte.conversion.outputs import plan_outputs
from videomatte.conversion.results import ConvertResult
from videomatte.errors import BatchError, OptionError
from videomatte.io.path_clashes import check_paths


def convert(inputs: str | os.PathLike | Sequence[str | os.PathLike], options: ConvertOptions | None = None,
            **fields: Any) -> list[ConvertResult]:
    """Matte videos into files; the Python twin of ``videomatte convert``.

    Args:
        inputs: a video, a photo, an image folder or glob, a folder or glob of videos and photos, or a
            list of those (folders are read as ``videomatte.conversion.inputs`` says).
        options: what to write and how (see :class:`ConvertOptions`); ``fields`` override its fields,
            so ``convert("in.mp4", output="out.mov", alpha="matte/")`` works without building one.

    Returns:
        One :class:`ConvertResult` per input.

    Raises:
        VideoMatteError: bad options, input or output (for a single input); ``BatchError`` (its
            ``results`` give every input's outcome) when inputs of a batch failed.
    """
    try:
        options = (options or ConvertOptions()).replace(**fields)
    except TypeError as err:
        raise TypeError(f"convert() got {err}") from None
    plans = plan_outputs(options.output, options.alpha, options.foreground, options.composite, options.codec)
    ranged = bool(options.start) or options.duration is not None
    planned = plan_sources(inputs, plans, options.stills, ranged, options.progress)
    if len(planned) > 1 and not isinstance(options.cuts, str):
        raise OptionError(f"{len(planned)} inputs: a cut list belongs to one input; use --cuts auto or off "
                          "for several")
    check_against_each_other([source for source, _ in planned], options)
    engine = options.engine if options.engine is not None else LocalEngine()
    results = engine.run(planned, len(planned) > 1, options)
    if any(r.error for r in results):
        raise BatchError(results)
    return results


def check_against_each_other(sources: list[str], options: ConvertOptions) -> None:
    """Every output of every input against the inputs, the background, the weights and each other
    (``io.path_clashes``): ``PathClashError`` before any work starts."""
    asked = (("-o", options.output), ("--alpha", options.alpha), ("--foreground", options.foreground),
             ("--composite", options.composite))
    weights = options.model.weights
    check_paths(sources, [(flag, os.fspath(path)) for flag, path in asked if path is not None], options.background,
                None if weights is None else os.fspath(weights))
