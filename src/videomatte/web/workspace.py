"""Per-session folders for uploads and outputs, deleted when a session ends or grows too old."""
from __future__ import annotations

import atexit
import re
import shutil
import tempfile
import threading
import time
import uuid
from pathlib import Path

_SAFE = re.compile(r"[^A-Za-z0-9_-]")


class Workspaces:
    """A root folder with one sub-folder per browser (or API client) session.

    Args:
        root: where the session folders live; ``None`` makes a fresh temporary folder.
        ttl_s: folders older than this are deleted by :meth:`sweep`.
    """

    def __init__(self, root: Path | None = None, ttl_s: float = 3600.0) -> None:
        self.root = Path(root) if root else Path(tempfile.mkdtemp(prefix="videomatte-serve-"))
        self.root.mkdir(parents=True, exist_ok=True)
        if root is None:
            atexit.register(self.close)  # a folder of our own goes with the process
        self.ttl_s = ttl_s
        self._lock = threading.Lock()

    def session(self, session_hash: str | None) -> Path:
        """The folder of a session (made on first use)."""
        name = _SAFE.sub("_", session_hash or "anonymous")[:64] or "anonymous"
        folder = self.root / name
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    def job(self, session_hash: str | None) -> Path:
        """A new empty folder for one conversion of a session."""
        folder = self.session(session_hash) / f"job-{uuid.uuid4().hex[:10]}"
        folder.mkdir()
        return folder

    def drop(self, session_hash: str | None) -> None:
        """Delete a session's folder (its uploads and outputs)."""
        name = _SAFE.sub("_", session_hash or "anonymous")[:64] or "anonymous"
        shutil.rmtree(self.root / name, ignore_errors=True)

    def sweep(self, now: float | None = None) -> list[Path]:
        """Delete job folders older than :attr:`ttl_s`; returns those deleted."""
        now = time.time() if now is None else now
        removed = []
        with self._lock:
            for job in self.root.glob("*/job-*"):
                try:
                    old = now - job.stat().st_mtime > self.ttl_s
                except FileNotFoundError:
                    continue
                if old:
                    shutil.rmtree(job, ignore_errors=True)
                    removed.append(job)
        return removed

    def close(self) -> None:
        """Delete everything (the server is stopping)."""
        shutil.rmtree(self.root, ignore_errors=True)
