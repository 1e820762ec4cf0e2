"""Checks of paths and options that answer a mistake before anything heavy (PyTorch, PyAV) is imported.

Every function raises :class:`videomatte.errors.VideoMatteError` (one line, naming the path or option)
and imports only the standard library, so that a missing file or an existing output is reported in a
fraction of a second. The conversion checks the same things again where it needs them; these are the
early answer, not the only guard.
"""
from __future__ import annotations

import argparse
import glob
import os
import re
from pathlib import Path
from typing import Iterable

from videomatte.models.geometry import check_ratio
from videomatte.errors import MediaError, OutputExistsError, VideoMatteError, WeightsError
from videomatte.io.codecs import CONTAINERS
from videomatte.io.path_clashes import check_paths
from videomatte.io.path_limits import check_name_lengths
from videomatte.io.timecode import parse_range



def check_input(item: str) -> None:
    """An input that exists (a file with bytes, a folder) or a glob that matches something."""
    path = Path(item)
    if path.is_dir():
        return
    if not path.exists():
        if glob.has_magic(item):
            if not glob.glob(item):
                raise MediaError(f"{item}: no file matches")
            return
        raise MediaError(f"{item}: no such file")
    if not os.access(path, os.R_OK):
        raise MediaError(f"{item}: cannot be read (permission denied)")
    if path.is_file() and path.stat().st_size == 0:
        raise MediaError(f"{item}: file is empty")


def _nearest_existing(path: Path) -> Path:
    folder = path.absolute().parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    return folder


def check_writable_folder(path: Path) -> None:
    """The folder that will receive ``path`` (or its nearest existing ancestor) accepts new files."""
    folder = _nearest_existing(path)
    if not folder.is_dir():
        raise MediaError(f"{path}: {folder} is a file, not a folder")
    if not os.access(folder, os.W_OK | os.X_OK):
        reason = "read-only file system" if _read_only(folder) else "permission denied"
        raise MediaError(f"{path}: cannot write to {folder} ({reason})")


def _read_only(folder: Path) -> bool:
    try:
        return bool(os.statvfs(folder).f_flag & os.ST_RDONLY)
    except (OSError, AttributeError):
        return False


def check_output(text: str, overwrite: bool) -> None:
    """An output path that can be written: the right kind (file or folder), absent unless
    ``overwrite``, in a writable folder. Paths holding ``{name}`` are checked per input later."""
    if "{name}" in text:
        return
    check_name_lengths(text)
    path = Path(text)
    folder_wanted = text.endswith(("/", "\\")) or not path.suffix
    if path.is_dir() and not folder_wanted and path.suffix.lower() in CONTAINERS:
        raise MediaError(f"{path}: is a folder, not a file (end the path with / for PNG images)")
    if path.is_file() and folder_wanted:
        raise MediaError(f"{path}: is a file, not a folder of images")
    exists = path.exists() and (not path.is_dir() or any(path.iterdir()))
    if exists and not overwrite:
        raise OutputExistsError(f"{path}: already exists (use --overwrite to replace it)")
    check_writable_folder(path)


def check_distinct(outputs: Iterable[tuple[str, str]], inputs: Iterable[str]) -> None:
    """No path given for two outputs, and no output that is one of the inputs.

    Args:
        outputs: ``(option, path)`` pairs, such as ``("-o", "out.mov")``.
    """
    seen: dict[str, str] = {}
    sources = {os.path.realpath(i) for i in inputs}
    for option, text in outputs:
        key = os.path.realpath(text)
        if key in seen:
            raise VideoMatteError(f"{text}: given to both {seen[key]} and {option}; give each output its own path")
        if key in sources:
            raise MediaError(f"{text}: the output would overwrite the input")
        seen[key] = option


def check_number(option: str, value: float | None, low: float, high: float | None = None,
                 low_inclusive: bool = False) -> None:
    """``value`` (when given) within ``(low, high]`` (``[low, high]`` with ``low_inclusive``)."""
    if value is None:
        return
    above = value >= low if low_inclusive else value > low
    if not above or (high is not None and value > high) or value != value:
        bounds = f"{'[' if low_inclusive else '('}{low:g}, {'' if high is None else f'{high:g}'}"
        bounds += "]" if high is not None else "inf)"
        raise VideoMatteError(f"{option} must be in {bounds}, got {value:g}")


def check_weights_file(text: str | None) -> None:
    """A weights argument that is a keyword or an existing, non-empty file."""
    if text is None or text.lower() in ("official", "none") or "://" in text:
        return
    path = Path(text).expanduser()
    if not path.exists():
        if path.suffix:
            raise WeightsError(f"{text}: no such weights file")
        return  # a name the registry may know; it answers later
    if path.is_dir():
        raise WeightsError(f"{text}: is a folder, not a weights file")
    if path.stat().st_size == 0:
        raise WeightsError(f"{text}: weights file is empty")


def check_background(text: str) -> None:
    """A ``--background`` that is a colour word, ``#RRGGBB``, ``blur`` or an existing file."""
    plain = text.strip().lower()
    if re.fullmatch(r"#?[0-9a-f]{6}", plain) or plain.isalpha() or os.path.exists(text):
        return
    raise MediaError(f"background {text!r} is not a colour (green, blue, black, white, gray), #RRGGBB, "
                     "'blur', or an existing file")


def check_convert(args: argparse.Namespace) -> None:
    """Everything ``videomatte convert`` can refuse without reading a frame or loading the network."""
    check_ratio(args.ratio, "--ratio")
    check_number("--fps", args.fps, 0.0, 1000.0)
    check_number("--seq-chunk", args.seq_chunk, 1, None, low_inclusive=True)
    check_number("--crf", args.crf, 0, 63, low_inclusive=True)
    parse_range(getattr(args, "start", None), getattr(args, "duration", None))
    for item in args.inputs:
        check_input(item)
    outputs = [(option, path) for option, path in (("-o", args.output), ("--alpha", args.alpha),
               ("--foreground", args.foreground), ("--composite", args.composite)) if path is not None]
    if not outputs:
        raise VideoMatteError("nothing to write: give -o OUTPUT, --alpha, --foreground or --composite")
    check_distinct(outputs, args.inputs)
    literal = [(option, path) for option, path in outputs if "{name}" not in path]  # patterns: per input, later
    check_paths(args.inputs, literal, args.background, args.weights)
    for _, path in outputs:
        check_output(path, args.overwrite)
    check_weights_file(None if args.weights is None else str(args.weights))
    if getattr(args, "cuts", "auto") not in ("auto", "off"):
        from videomatte.io.cut_list import CutList

        CutList.read(args.cuts)
    composite_main = (".mp4", ".m4v", ".jpg", ".jpeg")  # outputs without alpha hold a composite
    if args.composite is not None or (args.output and Path(args.output).suffix.lower() in composite_main):
        check_background(args.background)
