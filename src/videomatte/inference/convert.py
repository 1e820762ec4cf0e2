"""``convert``: matte whole videos (or image sequences, or folders of videos) into files.

Per input, three kinds of threads overlap: one decodes and converts frames to tensors, the caller's
thread runs the network, and one thread per output composes and encodes. Bounded queues between
them keep memory flat in the length of the video.
"""
from __future__ import annotations

import glob
import os
import sys
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Sequence

from videomatte.errors import MediaError, VideoMatteError
from videomatte.inference.options import ConvertOptions
from videomatte.inference.outputs import OutputPlan, plan_outputs
from videomatte.inference.phases import PhaseClock, sequential_record, write_stats
from videomatte.inference.runner import SessionFactory, run_pipeline
from videomatte.io.files import list_images, list_videos
from videomatte.io.readers import open_reader
from videomatte.io.writers import check_output


@dataclass
class ConvertResult:
    """What happened to one input.

    Attributes:
        source: the input.
        outputs: the files or folders written (or found finished, when skipped).
        frames: frames converted.
        seconds: wall time.
        skipped: every output already existed (batch runs skip finished inputs).
        backend: the runtime that matted it (``"torch"``, ``"torchscript"`` or ``"onnxruntime"``).
        error: the message when this input failed in a batch run.
    """

    source: str
    outputs: list[str] = field(default_factory=list)
    frames: int = 0
    seconds: float = 0.0
    skipped: bool = False
    backend: str = ""
    error: str | None = None

    @property
    def fps(self) -> float:
        """Frames per second of the whole conversion, decoding and encoding included."""
        return self.frames / self.seconds if self.seconds else 0.0


def expand_inputs(inputs: str | os.PathLike | Sequence[str | os.PathLike]) -> list[str]:
    """Inputs to convert one by one: a folder or glob of videos becomes its videos (sorted); a folder or
    glob of images, a video file, or anything else stays as it is (the reader reports what is wrong)."""
    items = [inputs] if isinstance(inputs, (str, os.PathLike)) else list(inputs)
    found: list[str] = []
    for item in map(os.fspath, items):
        path = Path(item)
        if path.is_dir():
            videos = [str(p) for p in list_videos(path)]
            found.extend(videos if videos and not list_images(item) else [item])
        elif not path.exists() and glob.has_magic(item):
            videos = [str(p) for p in list_videos(item)]
            found.extend(videos if videos else [item])
        else:
            found.append(item)
    return found


def input_name(source: str) -> str:
    """The name that ``{name}`` stands for: a video's stem, a folder's name, a glob's folder name."""
    path = Path(source)
    if glob.has_magic(source) and not path.exists():
        path = path.parent
    return path.stem if path.is_file() else path.name


def prepare_outputs(source: str, plans: list[OutputPlan], batch: bool, overwrite: bool) -> list[OutputPlan] | None:
    """This input's outputs, or ``None`` when a batch finds them all finished."""
    mine = [plan.for_input(input_name(source)) for plan in plans]
    for plan in mine:
        if Path(plan.path).resolve() == Path(source).resolve():
            raise MediaError(f"{plan.path}: the output would overwrite the input")
    if batch and not overwrite and all(Path(p.path).exists() for p in mine):
        return None
    for plan in mine:
        check_output(plan.path, overwrite)
    return mine


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
        VideoMatteError: bad options, input or output (for a single input), or a summary of the failures
            of a batch.
    """
    begin = time.perf_counter()
    unknown = sorted(set(fields) - set(ConvertOptions.field_names()))
    if unknown:
        raise TypeError(f"convert() got unexpected keyword arguments: {', '.join(unknown)}")
    options = replace(options or ConvertOptions(), **fields)
    plans = plan_outputs(options.output, options.alpha, options.foreground, options.composite, options.codec)
    sources = expand_inputs(inputs)
    if not sources:
        raise MediaError(f"no input found in {inputs}")
    batch = len(sources) > 1
    if batch and any("{name}" not in plan.path for plan in plans):
        raise VideoMatteError(f"{len(sources)} inputs: every output needs {{name}} in its path, "
                              "e.g. -o 'out/{name}.mov'")
    factory = SessionFactory(options)
    if options.engine != "local":
        from videomatte.cluster.engine import convert_on_ray

        return convert_on_ray(sources, plans, factory, batch, options)
    results, clocks = [], []
    for source in sources:
        try:
            clocks.append(PhaseClock())
            try:
                results.append(_convert_source(source, plans, factory, batch, options, clocks[-1]))
            finally:
                clocks[-1].close()
        except VideoMatteError as err:
            if not batch:
                raise
            message = str(err)
            print(f"videomatte: {message if message.startswith(source) else f'{source}: {message}'}",
                  file=sys.stderr)
            results.append(ConvertResult(source, error=str(err)))
    if options.stats is not None:
        write_stats(options.stats, sequential_record("local", time.perf_counter() - begin, clocks,
                                                     inputs=len(sources)))
    failed = [r for r in results if r.error]
    if failed:
        raise BatchError(results)
    return results


class BatchError(VideoMatteError):
    """Some inputs of a batch failed; ``results`` holds every input's :class:`ConvertResult`."""

    def __init__(self, results: list[ConvertResult]) -> None:
        done = sum(1 for r in results if not r.error and not r.skipped)
        skipped = sum(1 for r in results if r.skipped)
        failed = sum(1 for r in results if r.error)
        parts = [f"{done} converted"] + ([f"{skipped} skipped"] if skipped else []) + [f"{failed} failed"]
        super().__init__(", ".join(parts))
        self.results = results


def _convert_source(source: str, plans: list[OutputPlan], factory: SessionFactory, batch: bool,
                    options: ConvertOptions, clock: PhaseClock) -> ConvertResult:
    mine = prepare_outputs(source, plans, batch, options.overwrite)
    if mine is None:
        if options.progress:
            print(f"{source}: finished already, skipping", file=sys.stderr)
        return ConvertResult(source, [p.path for p in plans], skipped=True)
    start = time.perf_counter()
    with open_reader(source, options.frame_rate) as reader:
        session, backend = factory.session_for(reader.info, options.seq_chunk)
        frames = run_pipeline(reader, session, mine, options, clock)
    return ConvertResult(source, [p.path for p in mine], frames, time.perf_counter() - start, backend=backend)
