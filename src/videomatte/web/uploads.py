"""Checking what a user uploaded before any work is done: size, kind, readability, duration."""
from __future__ import annotations

import zipfile
from pathlib import Path, PurePosixPath

from videomatte.errors import MediaError
from videomatte.io.files import IMAGE_SUFFIXES
from videomatte.io.readers import open_reader
from videomatte.io.stream import VideoInfo
from videomatte.models.registry import auto_downsample_ratio
from videomatte.web.settings import ServeSettings

UNZIP_FACTOR = 10  # an image-sequence zip may unpack to at most this many times the upload limit


def _megabytes(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB"


def check_size(path: Path, settings: ServeSettings) -> None:
    """Refuse an upload over the size limit.

    Raises:
        MediaError: the file is larger than ``settings.max_upload_mb``.
    """
    size = path.stat().st_size
    if size > settings.max_upload_bytes:
        raise MediaError(f"{path.name}: {_megabytes(size)} is over this server's upload limit of "
                         f"{_megabytes(settings.max_upload_bytes)}")


def unpack_sequence(archive: Path, folder: Path, limit_bytes: int) -> Path:
    """The images of a zip, flattened into ``folder/frames`` (other members are ignored).

    Raises:
        MediaError: not a zip, no image inside, or more than ``limit_bytes`` once unpacked.
    """
    try:
        with zipfile.ZipFile(archive) as zipped:
            members = [m for m in zipped.infolist() if not m.is_dir()
                       and PurePosixPath(m.filename).suffix.lower() in IMAGE_SUFFIXES
                       and not PurePosixPath(m.filename).name.startswith(".")]
            if not members:
                raise MediaError(f"{archive.name}: the zip holds no images "
                                 f"({', '.join(sorted(IMAGE_SUFFIXES))})")
            if sum(m.file_size for m in members) > limit_bytes:
                raise MediaError(f"{archive.name}: the images are over {_megabytes(limit_bytes)} unpacked")
            frames = folder / "frames"
            frames.mkdir(parents=True, exist_ok=True)
            for member in members:
                (frames / PurePosixPath(member.filename).name).write_bytes(zipped.read(member))
    except (zipfile.BadZipFile, OSError) as err:
        raise MediaError(f"{archive.name}: not a readable zip ({err})") from None
    return frames


def prepare_source(upload: Path, folder: Path, settings: ServeSettings) -> Path:
    """What ``convert`` reads for an upload: the file itself, or the images of a zip."""
    check_size(upload, settings)
    if upload.suffix.lower() == ".zip":
        return unpack_sequence(upload, folder, UNZIP_FACTOR * settings.max_upload_bytes)
    return upload


def probe(source: Path, settings: ServeSettings, label: str | None = None) -> VideoInfo:
    """The input's description, after checking that it is readable and short enough.

    Raises:
        MediaError: not a video or image sequence, corrupt, or longer than ``settings.max_duration_s``.
    """
    with open_reader(source) as reader:
        info = reader.info
    seconds = duration(info)
    if seconds > settings.max_duration_s:
        raise MediaError(f"{label or source.name}: {seconds:.1f} s is over this server's limit of "
                         f"{settings.max_duration_s:g} s")
    return info


def duration(info: VideoInfo) -> float:
    """Length in seconds from the announced frame count (0 when the container does not say)."""
    return info.frame_count / float(info.frame_rate) if info.frame_count and info.frame_rate else 0.0


def describe(info: VideoInfo, label: str) -> str:
    """One line for the page: ``name: 360x640, 24 fps, 50 frames, 2.08 s, audio; automatic ratio 0.80``."""
    rate = float(info.frame_rate)
    parts = [f"{info.width}x{info.height}", f"{rate:.3g} fps",
             f"{info.frame_count} frames" if info.frame_count else "frame count unknown",
             f"{duration(info):.2f} s", "audio" if info.has_audio else "no audio"]
    ratio = auto_downsample_ratio(info.height, info.width)
    return f"{label}: {', '.join(parts)}; automatic downsample ratio {ratio:.2f}"
