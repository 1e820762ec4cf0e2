"""Partial outputs: every writer works under ``.NAME.partial-PID[.ext]`` beside the final name and
renames it when complete. A process killed outright (SIGKILL, a power cut) cannot clean up, so the
next writer of the same output removes partial files whose process is gone."""
from __future__ import annotations

import glob
import os
import shutil
from pathlib import Path

PARTIAL = ".partial-"
_ISSUED: set[Path] = set()  # every temporary name this process handed out, for remove_own_partials


def temporary_path(target: Path, suffix: str = "") -> Path:
    """This process's temporary name for ``target``, after removing stale partials of dead processes."""
    remove_stale_partials(target)
    path = target.parent / f".{target.name}{PARTIAL}{os.getpid()}{suffix}"
    _ISSUED.add(path)
    return path


def remove_own_partials() -> int:
    """Delete every temporary output of this process that is still there (a writer renames or deletes
    its own; this is for a process that must end at once, such as on a second Ctrl-C). Safe to call
    from a signal handler in the main thread; returns how many were removed."""
    removed = 0
    for path in list(_ISSUED):
        try:
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path, ignore_errors=True)
            elif path.exists() or path.is_symlink():
                path.unlink()
            else:
                continue
            removed += 1
        except OSError:
            pass
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # EPERM: another user's live process
        return True
    return True


def _owner(path: Path, target: Path) -> int | None:
    """The process id in a partial's name, or ``None`` when the name is not one of ours."""
    pid = path.name[len(target.name) + 1 + len(PARTIAL):].split(".")[0]
    return int(pid) if pid.isdigit() else None


def remove_stale_partials(target: Path) -> list[Path]:
    """Delete ``.NAME.partial-PID*`` files and folders beside ``target`` whose process is gone;
    returns what was removed (nothing when the folder cannot be read or written)."""
    removed = []
    try:
        candidates = list(target.parent.glob(f".{glob.escape(target.name)}{PARTIAL}*"))
    except OSError:
        return removed
    for path in candidates:
        pid = _owner(path, target)
        if pid is None or pid == os.getpid() or _alive(pid):
            continue
        try:
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            else:
                path.unlink()
            removed.append(path)
        except OSError:
            pass
    return removed
