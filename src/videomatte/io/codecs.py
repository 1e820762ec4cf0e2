"""Which codec, pixel format and options each output kind uses.

The output's kind follows its file extension (``.mov`` ProRes 4444, ``.webm`` VP9, ``.mkv`` FFV1,
``.mp4`` H.264, a folder PNG images); a codec name can override the default of a container.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from videomatte.errors import MediaError
from videomatte.io.stills import is_still_output, still_has_alpha

CONTAINERS = {".mov": "mov", ".mp4": "mp4", ".m4v": "mp4", ".webm": "webm", ".mkv": "matroska"}
DEFAULT_CODEC = {".mov": "prores", ".mp4": "h264", ".m4v": "h264", ".webm": "vp9", ".mkv": "ffv1"}
SEQUENCE_CODECS = ("png", "tiff")


@dataclass(frozen=True)
class CodecSpec:
    """How to encode with one codec.

    Attributes:
        encoder: FFmpeg encoder name.
        pix_fmt: pixel format without alpha; ``pix_fmt_odd`` replaces it when width or height is odd
            (4:2:0 needs even sizes).
        alpha_pix_fmt: pixel format with alpha, or ``None`` when the codec has no alpha.
        deep: whether to feed 16-bit RGB (the codec stores more than 8 bits).
        containers: container extensions the codec may go into.
        options: encoder options; ``{crf}`` in a value is replaced by the quality setting.
        default_crf: quality setting when none is given (``None``: the codec has none).
        full_range: whether the codec may be tagged full range (``pc``); others are always ``tv``.
    """

    encoder: str
    pix_fmt: str
    pix_fmt_odd: str
    alpha_pix_fmt: str | None
    containers: tuple[str, ...]
    deep: bool = False
    options: dict[str, str] = field(default_factory=dict)
    default_crf: int | None = None
    full_range: bool = True
    rgb: bool = False


CODECS: dict[str, CodecSpec] = {
    "prores": CodecSpec("prores_ks", "yuv444p10le", "yuv444p10le", "yuva444p10le", (".mov",), deep=True,
                        options={"profile": "4", "vendor": "apl0"}, full_range=False),
    "vp9": CodecSpec("libvpx-vp9", "yuv420p", "yuv444p", "yuva420p", (".webm", ".mkv"),
                     options={"crf": "{crf}", "b": "0", "row-mt": "1", "cpu-used": "5", "deadline": "good"},
                     default_crf=30),
    "h264": CodecSpec("libx264", "yuv420p", "yuv444p", None, (".mp4", ".m4v", ".mov", ".mkv"),
                      options={"crf": "{crf}", "preset": "veryfast"}, default_crf=18),
    "h265": CodecSpec("libx265", "yuv420p", "yuv444p", None, (".mp4", ".m4v", ".mov", ".mkv"),
                      options={"crf": "{crf}", "preset": "fast", "tag": "hvc1",
                               "x265-params": "log-level=error"}, default_crf=22),
    "ffv1": CodecSpec("ffv1", "bgr0", "bgr0", "bgra", (".mkv", ".mov"), rgb=True),
    "png": CodecSpec("png", "rgb24", "rgb24", "rgba", (".mov",), rgb=True),
}


def is_sequence_path(path: str | Path) -> bool:
    """Whether an output path names a folder of images: a trailing slash, or a name without a video
    extension that is an existing folder or has no extension at all (``pathlib`` drops trailing
    slashes, so ``Path("frames/")`` still counts). An existing folder named ``out.mov`` is not one."""
    text = str(path)
    if text.endswith(("/", "\\")):
        return True
    suffix = Path(text).suffix.lower()
    return not suffix or (suffix not in CONTAINERS and Path(text).is_dir())


def codec_for(path: str | Path, codec: str | None = None) -> CodecSpec:
    """The codec a video output uses.

    Args:
        path: output file; its extension picks the container and the default codec.
        codec: a name from :data:`CODECS` to override the default.

    Raises:
        MediaError: unknown extension or codec, or a codec the container cannot hold.
    """
    suffix = Path(path).suffix.lower()
    if suffix not in CONTAINERS:
        known = ", ".join(sorted(CONTAINERS))
        raise MediaError(f"{path}: unknown output format {suffix or '(no extension)'!r}; "
                         f"use {known}, a folder ending in '/' for PNG images, or .png/.webp for a photo")
    name = codec or DEFAULT_CODEC[suffix]
    if name not in CODECS:
        raise MediaError(f"unknown codec {name!r}; choose from {', '.join(CODECS)}")
    spec = CODECS[name]
    if suffix not in spec.containers:
        raise MediaError(f"{path}: codec {name!r} cannot go into {suffix}; use {', '.join(spec.containers)}")
    return spec


def supports_alpha(path: str | Path, codec: str | None = None) -> bool:
    """Whether an output path (file or folder) can carry an alpha channel."""
    if is_sequence_path(path):
        return True
    if is_still_output(path):
        return still_has_alpha(path)
    return codec_for(path, codec).alpha_pix_fmt is not None
