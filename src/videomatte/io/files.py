"""Which files are media, how folders of them are listed, and how files are written safely.

The one table of image and video suffixes and the one natural-order listing of the package: readers,
evaluation sets and training datasets all list folders through here, so ``2.png`` comes before
``10.png`` everywhere.
"""
from __future__ import annotations

import glob
import os
import re
import tempfile
from pathlib import Path
from typing import Callable, Iterable

IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".webp", ".heic", ".heif"})
VIDEO_SUFFIXES = frozenset({".mp4", ".mov", ".mkv", ".webm", ".avi", ".m4v", ".mpg", ".mpeg", ".ts",
                            ".mts", ".m2ts", ".wmv", ".flv", ".3gp", ".mxf", ".ogv",
                            # raw elementary streams without a container (io.raw_streams)
                            ".h264", ".264", ".h265", ".265", ".hevc", ".m2v"})


def is_image(path: str | os.PathLike) -> bool:
    """Whether ``path`` has an image suffix (case-insensitive)."""
    return Path(path).suffix.lower() in IMAGE_SUFFIXES


def is_video(path: str | os.PathLike) -> bool:
    """Whether ``path`` has a video suffix (case-insensitive)."""
    return Path(path).suffix.lower() in VIDEO_SUFFIXES


def natural_key(path: Path) -> list[object]:
    """Sort key that puts ``frame2`` before ``frame10`` (case-insensitive otherwise)."""
    return [int(part) if part.isdigit() else part.lower() for part in re.split(r"(\d+)", path.name)]


def natural_sorted(paths: Iterable[Path]) -> list[Path]:
    """``paths`` in natural order of their names."""
    return sorted(paths, key=natural_key)


def _candidates(source: str | os.PathLike) -> Iterable[Path]:
    path = Path(source)
    return path.iterdir() if path.is_dir() else (Path(p) for p in glob.glob(os.fspath(source)))


def list_images(source: str | os.PathLike) -> list[Path]:
    """Image files of a folder or glob, in natural order (``2.png`` before ``10.png``)."""
    return natural_sorted(p for p in _candidates(source) if p.is_file() and is_image(p))


def list_videos(source: str | os.PathLike) -> list[Path]:
    """Video files of a folder or glob, in natural order."""
    return natural_sorted(p for p in _candidates(source) if p.is_file() and is_video(p))


def list_folders(folder: str | os.PathLike) -> list[Path]:
    """Sub-folders of ``folder``, in natural order."""
    return natural_sorted(p for p in Path(folder).iterdir() if p.is_dir())


def write_atomically(path: Path, write: Callable[[Path], None]) -> None:
    """Call ``write(tmp)`` on a temporary file beside ``path``, then rename it to ``path``: a reader
    never sees half a file, and a failed write leaves nothing under ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        write(tmp)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
