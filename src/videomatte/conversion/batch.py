"""``convert``: matte whole videos (or image sequences, or folders of videos) into files.

It expands the inputs, plans the outputs and hands both to the options' engine (``LocalEngine``: this
process, see ``conversion/pipeline.py``; or the cluster's ``RayEngine``), whatever the engine, a batch
with failed inputs ends in one ``BatchError`` holding every input's result.
"""
from __future__ import annotations

import os
from typing import Any, Sequence

from videomatte.conversion.convert_options import ConvertOptions
from videomatte.conversion.engines import LocalEngine
from videomatte.conversion.outputs import plan_outputs
from videomatte.conversion.results import ConvertResult, expand_inputs
from videomatte.errors import BatchError, MediaError, VideoMatteError


def convert(inputs: str | os.PathLike | Sequence[str | os.PathLike], options: ConvertOptions | None = None,
            **fields: Any) -> list[ConvertResult]:
    """Matte videos into files; the Python twin of ``videomatte convert``.

    Args:
        inputs: a video, an image folder or glob, a folder or glob of videos, or a list of those.
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
    sources = expand_inputs(inputs)
    if not sources:
        raise MediaError(f"no input found in {inputs}")
    batch = len(sources) > 1
    if batch and any("{name}" not in plan.path for plan in plans):
        raise VideoMatteError(f"{len(sources)} inputs: every output needs {{name}} in its path, "
                              "e.g. -o 'out/{name}.mov'")
    engine = options.engine if options.engine is not None else LocalEngine()
    results = engine.run(sources, plans, batch, options)
    if any(r.error for r in results):
        raise BatchError(results)
    return results
