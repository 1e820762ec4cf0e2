"""Output names the file system can hold, checked before any work (issue 24: a name longer than the
file system allows reached a Python traceback).

Writers work under ``.NAME.partial-PID[.ext]`` (``io.partials``), so the last part of an output's name
must leave room for that prefix and suffix below the folder's ``NAME_MAX`` (255 bytes on ext4, btrfs,
XFS, APFS and NTFS); every other part must fit ``NAME_MAX`` itself, and the whole path ``PATH_MAX``.
"""
from __future__ import annotations

import os
from pathlib import Path

from videomatte.errors import MediaError

PARTIAL_ROOM = 32  # "." + ".partial-" + a process id + an image or video suffix, with room to spare
DEFAULT_NAME_MAX, DEFAULT_PATH_MAX = 255, 4096


def _limit(folder: Path, name: str, default: int) -> int:
    """``os.pathconf`` of the nearest existing folder, or ``default`` where it cannot be asked."""
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    try:
        return int(os.pathconf(folder, name))
    except (OSError, ValueError, AttributeError):
        return default


def check_name_lengths(text: str) -> None:
    """Refuse an output path with a part (or a whole) longer than the file system allows.

    Raises:
        MediaError: naming the part, its length in bytes and the limit.
    """
    path = Path(os.path.abspath(os.path.expanduser(text)))
    name_max = _limit(path.parent, "PC_NAME_MAX", DEFAULT_NAME_MAX)
    parts = [part for part in path.parts[1:] if part]
    for index, part in enumerate(parts):
        room = PARTIAL_ROOM if index == len(parts) - 1 else 0
        size = len(os.fsencode(part))
        if size + room > name_max:
            short = part if len(part) <= 40 else f"{part[:20]}...{part[-12:]}"
            allowed = f"{name_max - room} bytes here" + (", the rest kept for the temporary name" if room else "")
            raise MediaError(f"{short}: an output name of {size} bytes is longer than the file system allows "
                             f"({allowed}); choose a shorter name")
    path_max = _limit(path.parent, "PC_PATH_MAX", DEFAULT_PATH_MAX)
    if len(os.fsencode(str(path))) + PARTIAL_ROOM > path_max:
        raise MediaError(f"{str(path)[:40]}...: an output path of {len(os.fsencode(str(path)))} bytes is longer "
                         f"than the file system allows ({path_max - PARTIAL_ROOM} bytes here)")
