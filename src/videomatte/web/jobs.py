"""One conversion asked for from the page or the HTTP API: upload in, files out, through ``convert()``.

The same ``videomatte.conversion.batch.convert`` as ``videomatte convert`` does the work, so every
format, audio and error rule of the command line holds here too.
"""
from __future__ import annotations

import logging
import os
import re
import shutil
import time
from dataclasses import dataclass, field
from typing import Any
from pathlib import Path

from videomatte.errors import VideoMatteError
from videomatte.inference.model_settings import ModelSettings, replace_with_model
from videomatte.web.previews import checker_preview
from videomatte.web.settings import ServeSettings
from videomatte.web.uploads import prepare_source, probe

log = logging.getLogger(__name__)

TRANSPARENT_FORMATS = {"mov": ".mov", "webm": ".webm", "png": "_png/", "none": ""}
"""Transparent main output by choice: ProRes 4444, VP9 with alpha, PNG images (zipped), or none."""


@dataclass(frozen=True)
class JobOptions:
    """What the user chose (the page's and the API's inputs after the video).

    Attributes:
        transparent: ``mov`` (ProRes 4444), ``webm`` (VP9 + alpha), ``png`` (zip of RGBA PNGs) or ``none``.
        alpha, foreground, composite: also offer those (``.mp4``) for download.
        background: behind the composite: a colour name or ``#RRGGBB``, ``blur``, or an image/video file.
        model: the network, its runtime, ratio (``None``: automatic) and subject (``None``: everyone);
            ``replace`` takes its fields too.
        audio: keep the input's audio.
        start, duration: convert only this range: seconds or ``HH:MM:SS(.mmm)`` (empty: all of it).
    """

    transparent: str = "mov"
    alpha: bool = True
    foreground: bool = False
    composite: bool = False
    background: str = "green"
    model: ModelSettings = field(default_factory=ModelSettings)
    audio: bool = True
    start: str | None = None
    duration: str | None = None

    def replace(self, **changes: Any) -> JobOptions:
        """A copy with ``changes`` (these options' fields, or ``ModelSettings``')."""
        return replace_with_model(self, changes)


@dataclass
class JobResult:
    """What one conversion produced.

    Attributes:
        downloads: the files the user asked for.
        composite: the composite over the chosen background (H.264, for the preview player).
        checker: the matte over a checkerboard (H.264 preview), or ``None`` if it could not be made.
        frames, seconds: frames converted and wall time of the conversion.
        ratio: the downsample ratio used.
    """

    downloads: list[Path] = field(default_factory=list)
    composite: Path | None = None
    checker: Path | None = None
    frames: int = 0
    seconds: float = 0.0
    ratio: float = 0.0


def error_line(err: BaseException, upload: Path | None = None) -> str:
    """The one line shown for a failure: the command line's ``videomatte: error: ...``, with the
    server's path of ``upload`` shortened to its name (as if the user had converted it in place)."""
    if isinstance(err, (VideoMatteError, ValueError)):
        line = f"videomatte: error: {err}"
    else:
        log.error("conversion failed", exc_info=err)
        line = f"videomatte: error: internal error ({type(err).__name__}: {err})"
    if upload is not None:
        line = line.replace(str(upload.parent) + os.sep, "")
    return " ".join(line.split())


def output_stem(upload: Path) -> str:
    """A safe file-name stem for an upload's outputs."""
    stem = re.sub(r"[^\w.-]+", "_", upload.stem).strip("._") or "video"
    return stem[:80]


def _zip_folder(folder: Path) -> Path:
    archive = shutil.make_archive(str(folder.with_name(folder.name.rstrip("/"))), "zip", folder)
    shutil.rmtree(folder, ignore_errors=True)
    return Path(archive)


def run_job(upload: Path, options: JobOptions, folder: Path, settings: ServeSettings) -> JobResult:
    """Convert one uploaded video (or zip of images) into ``folder``.

    Raises:
        VideoMatteError: anything the command line would refuse (bad input, bad options).
    """
    from videomatte.conversion.batch import convert
    from videomatte.conversion.convert_options import ConvertOptions
    from videomatte.models.registry import auto_downsample_ratio

    if options.transparent not in TRANSPARENT_FORMATS:
        raise VideoMatteError(f"transparent output must be one of {', '.join(TRANSPARENT_FORMATS)}, "
                              f"not {options.transparent!r}")
    source = prepare_source(upload, folder, settings)
    info = probe(source, settings, upload.name)
    stem = output_stem(upload)
    suffix = TRANSPARENT_FORMATS[options.transparent]
    main = folder / f"{stem}{suffix}" if suffix else None
    paths = {"alpha": folder / f"{stem}_alpha.mp4", "composite": folder / f"{stem}_composite.mp4",
             "foreground": folder / f"{stem}_foreground.mp4" if options.foreground else None}
    start = time.perf_counter()
    try:
        results = convert(str(source), ConvertOptions(
            output=main, alpha=paths["alpha"], foreground=paths["foreground"], composite=paths["composite"],
            background=options.background, model=options.model, audio=options.audio, start=options.start,
            duration=options.duration, progress=True))
    except ValueError as err:
        raise VideoMatteError(str(err)) from err
    result = JobResult(composite=paths["composite"], frames=results[0].frames,
                       seconds=time.perf_counter() - start,
                       ratio=options.model.downsample_ratio or auto_downsample_ratio(info.height, info.width))
    if main is not None:
        result.downloads.append(_zip_folder(main) if options.transparent == "png" else main)
    result.downloads += [paths[k] for k in ("alpha", "foreground", "composite")
                         if getattr(options, k) and paths[k] is not None]
    result.checker = _checker(source, paths["alpha"], folder / f"{stem}_checkerboard_preview.mp4")
    return result


def _checker(source: Path, alpha: Path, out: Path) -> Path | None:
    """The checkerboard preview, or ``None`` (logged) when it cannot be made: the outputs still stand."""
    try:
        checker_preview(source, alpha, out)
    except VideoMatteError as err:
        log.warning("no checkerboard preview: %s", err)
        return None
    return out
