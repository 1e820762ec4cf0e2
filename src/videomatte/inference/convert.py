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
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

from videomatte.errors import MediaError, VideoMatteError
from videomatte.inference.outputs import OutputPlan, plan_outputs
from videomatte.inference.runner import SessionFactory, run_pipeline
from videomatte.io.readers import list_images, open_reader
from videomatte.io.writers import check_output

if TYPE_CHECKING:
    from videomatte.cluster.options import RayEngine

VIDEO_SUFFIXES = frozenset({".mp4", ".mov", ".mkv", ".webm", ".avi", ".m4v", ".mpg", ".mpeg", ".ts",
                            ".mts", ".m2ts", ".wmv", ".flv", ".3gp", ".mxf", ".ogv"})


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


def _videos_in(paths: Sequence[Path]) -> list[str]:
    return sorted(str(p) for p in paths if p.is_file() and p.suffix.lower() in VIDEO_SUFFIXES)


def expand_inputs(inputs: str | os.PathLike | Sequence[str | os.PathLike]) -> list[str]:
    """Inputs to convert one by one: a folder or glob of videos becomes its videos (sorted); a folder or
    glob of images, a video file, or anything else stays as it is (the reader reports what is wrong)."""
    items = [inputs] if isinstance(inputs, (str, os.PathLike)) else list(inputs)
    found: list[str] = []
    for item in map(os.fspath, items):
        path = Path(item)
        if path.is_dir():
            videos = _videos_in(list(path.iterdir()))
            found.extend(videos if videos and not list_images(item) else [item])
        elif not path.exists() and glob.has_magic(item):
            videos = _videos_in([Path(p) for p in glob.glob(item)])
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


def convert(
    inputs: str | os.PathLike | Sequence[str | os.PathLike],
    output: str | os.PathLike | None = None,
    alpha: str | os.PathLike | None = None,
    foreground: str | os.PathLike | None = None,
    composite: str | os.PathLike | None = None,
    background: str = "green",
    variant: str = "mobilenetv3",
    weights: str | os.PathLike | None = "official",
    downsample_ratio: float | None = None,
    seq_chunk: int = 1,
    device: str = "auto",
    dtype: str | None = None,
    overwrite: bool = False,
    progress: bool = True,
    premultiplied: bool = False,
    codec: str | None = None,
    crf: int | None = None,
    audio: bool = True,
    frame_rate: Fraction | None = None,
    backend: str = "auto",
    engine: "str | RayEngine" = "local",
) -> list[ConvertResult]:
    """Matte videos into files; the Python twin of ``videomatte convert``.

    Args:
        inputs: a video, an image folder or glob, a folder or glob of videos, or a list of those.
        output: main output; ``.mov`` (ProRes 4444), ``.webm`` (VP9), ``.mkv`` (FFV1) and folders
            (``dir/``, PNG) get foreground + alpha, ``.mp4`` (H.264) a composite over ``background``.
        alpha, foreground, composite: further outputs (any format above). With several inputs every
            output path must contain ``{name}``, replaced by each input's name.
        background: ``green`` (or another colour name), ``#RRGGBB``, ``blur``, an image or a video file.
        variant, weights: the network (``weights=None``: random initialisation, for tests).
        downsample_ratio: in (0, 1]; ``None`` = ``min(512 / max(H, W), 1)`` per input.
        seq_chunk: frames per network call.
        device: ``auto``, ``cpu``, ``cuda`` or ``mps``; ``dtype``: ``None``/``float16``/``auto``.
        overwrite: replace existing outputs (otherwise an error, or a skip in a batch).
        progress: draw a progress line on a terminal.
        premultiplied: colour multiplied by alpha in RGBA outputs (default straight alpha).
        codec: codec of the main output (``h265``, ``png``, ``tiff``...); ``crf``: its quality.
        audio: copy the input's audio into video outputs.
        frame_rate: frame rate of image-sequence inputs (default 30).
        backend: ``auto`` (onnxruntime for float32 RVM networks on the CPU, else torch), ``torch``,
            ``torchscript`` or ``onnxruntime``.
        engine: ``local`` (this process), ``ray`` (segments on a local Ray instance), or a
            :class:`videomatte.cluster.RayEngine` (cluster address, workers, segment length, warm-up).

    Returns:
        One :class:`ConvertResult` per input.

    Raises:
        VideoMatteError: bad input or output (for a single input), or a summary of the failures of a batch.
    """
    if seq_chunk < 1:
        raise VideoMatteError(f"--seq-chunk must be at least 1, got {seq_chunk}")
    plans = plan_outputs(output, alpha, foreground, composite, codec)
    sources = expand_inputs(inputs)
    if not sources:
        raise MediaError(f"no input found in {inputs}")
    batch = len(sources) > 1
    if batch and any("{name}" not in plan.path for plan in plans):
        raise VideoMatteError(f"{len(sources)} inputs: every output needs {{name}} in its path, "
                              "e.g. -o 'out/{name}.mov'")
    factory = SessionFactory(variant, weights, device, dtype, downsample_ratio, backend)
    settings = dict(background=background, premultiplied=premultiplied, crf=crf, audio=audio,
                    seq_chunk=seq_chunk, overwrite=overwrite, progress=progress)
    if engine != "local":
        from videomatte.cluster.engine import convert_on_ray, ray_engine

        return convert_on_ray(sources, plans, factory, batch, frame_rate, settings, ray_engine(engine))
    results = []
    for source in sources:
        try:
            results.append(_convert_source(source, plans, factory, batch, frame_rate, settings))
        except VideoMatteError as err:
            if not batch:
                raise
            print(f"videomatte: {source}: {err}", file=sys.stderr)
            results.append(ConvertResult(source, error=str(err)))
    failed = [r for r in results if r.error]
    if failed:
        raise VideoMatteError(f"{len(failed)} of {len(results)} inputs failed (first: {failed[0].error})")
    return results


def _convert_source(source: str, plans: list[OutputPlan], factory: SessionFactory, batch: bool,
                    frame_rate: Fraction | None, settings: dict) -> ConvertResult:
    mine = prepare_outputs(source, plans, batch, settings["overwrite"])
    if mine is None:
        if settings["progress"]:
            print(f"{source}: finished already, skipping", file=sys.stderr)
        return ConvertResult(source, [p.path for p in plans], skipped=True)
    start = time.perf_counter()
    with open_reader(source, frame_rate) as reader:
        session, backend = factory.session_for(reader.info)
        frames = run_pipeline(reader, session, mine, settings)
    return ConvertResult(source, [p.path for p in mine], frames, time.perf_counter() - start, backend=backend)
