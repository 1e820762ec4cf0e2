"""Output paths: refusing an existing output before any work, and one-line errors for failed writes."""
from __future__ import annotations

import errno
import os
from pathlib import Path

from videomatte.errors import MediaError, OutputExistsError
from videomatte.io.codecs import is_sequence_path
from videomatte.io.path_limits import check_name_lengths


def check_output(path: str | os.PathLike, overwrite: bool) -> Path:
    """Refuse an existing output without ``overwrite`` (before any work is done).

    Raises:
        OutputExistsError: the output exists and ``overwrite`` is false.
    """
    check_name_lengths(os.fspath(path))
    target = Path(path)
    if target.is_dir() and not is_sequence_path(path):
        raise MediaError(f"{target}: is a folder, not a file (end the path with / for PNG images)")
    if not target.is_dir() and is_sequence_path(path) and target.exists():
        raise MediaError(f"{target}: is a file, not a folder of images")
    exists = target.exists() and (not target.is_dir() or any(target.iterdir()))
    if exists and not overwrite:
        raise OutputExistsError(f"{target}: already exists (use --overwrite to replace it)")
    return target


def media_error(target: Path, err: BaseException) -> MediaError:
    """The one line for a write to ``target`` that failed with ``err`` (disk full, no permission...)."""
    if getattr(err, "errno", None) == errno.ENOSPC:
        return MediaError(f"{target}: disk full while writing")
    if getattr(err, "errno", None) in (errno.EACCES, errno.EPERM, errno.EROFS):
        return MediaError(f"{target}: cannot write there ({err.strerror or err})")
    return MediaError(f"{target}: cannot write ({err})")
