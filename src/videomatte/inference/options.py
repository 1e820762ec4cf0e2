"""``ConvertOptions``: everything one conversion is asked to do, validated once.

The command line builds it from its flags, ``videomatte.convert()`` from its keyword arguments, and the
pipeline reads it; nothing here imports torch, so that a bad option is answered at once.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, fields
from fractions import Fraction

from videomatte.errors import OptionError
from videomatte.inference.subject_prompt import SubjectPrompt
from videomatte.io.codecs import CODECS, SEQUENCE_CODECS
from videomatte.models.registry import DEFAULT_MODEL, check_refiner, get_spec

BACKENDS = ("torch", "torchscript", "onnxruntime")
BACKEND_CHOICES = ("auto", *BACKENDS)
CODEC_CHOICES = (*CODECS, *(c for c in SEQUENCE_CODECS if c not in CODECS))
PathLike = str | os.PathLike | None


@dataclass(frozen=True)
class ConvertOptions:
    """What a conversion writes and how it mattes.

    Attributes:
        output: main output; ``.mov`` (ProRes 4444), ``.webm`` (VP9), ``.mkv`` (FFV1) and folders
            (``dir/``, PNG) get foreground + alpha, ``.mp4`` (H.264) a composite over ``background``.
        alpha, foreground, composite: further outputs (any format above). With several inputs every
            output path must contain ``{name}``, replaced by each input's name.
        background: ``green`` (or another colour name), ``#RRGGBB``, ``blur``, an image or a video file.
        variant, weights, refiner: the network (``weights=None``: random initialisation, for tests).
        downsample_ratio: in (0, 1]; ``None`` = ``min(512 / max(H, W), 1)`` per input.
        seq_chunk: frames per network call.
        device: ``auto``, ``cpu``, ``cuda`` or ``mps``; ``dtype``: ``None``/``float16``/``auto``.
        backend: ``auto`` (onnxruntime for float32 exportable networks on the CPU, else torch), or one of
            :data:`BACKENDS`.
        overwrite: replace existing outputs (otherwise an error, or a skip in a batch).
        progress: draw a progress line on a terminal.
        premultiplied: colour multiplied by alpha in RGBA outputs (default straight alpha).
        codec: codec of the main output (``h265``, ``png``, ``tiff``...); ``crf``: its quality.
        audio: copy the input's audio into video outputs.
        frame_rate: frame rate of image-sequence inputs (default 30).
        subject: keep only the people this prompt points at on each input's first frame
            (``SubjectPrompt.from_cli(points, box, mask)``, see ``docs/subject.md``); ``None`` keeps everyone.
        stats: a JSON file to write where the time went (seconds per phase: decode, network, compositing,
            encode, join, waiting, other; they add up to the wall time), for both engines.
        engine: ``local`` (this process), ``ray`` (segments on a local Ray instance), or a
            ``videomatte.cluster.RayEngine`` (cluster address, workers, segment length, warm-up).

    Raises:
        OptionError: (from the constructor) a value out of range or a name nobody knows.
    """

    output: PathLike = None
    alpha: PathLike = None
    foreground: PathLike = None
    composite: PathLike = None
    background: str = "green"
    variant: str = DEFAULT_MODEL
    weights: PathLike = "official"
    refiner: str = "deep_guided_filter"
    downsample_ratio: float | None = None
    seq_chunk: int = 1
    device: str = "auto"
    dtype: str | None = None
    backend: str = "auto"
    overwrite: bool = False
    progress: bool = True
    premultiplied: bool = False
    codec: str | None = None
    crf: int | None = None
    audio: bool = True
    frame_rate: Fraction | None = None
    subject: SubjectPrompt | None = None
    stats: PathLike = None
    engine: object = "local"  # "local", "ray" or a videomatte.cluster.RayEngine

    def __post_init__(self) -> None:
        get_spec(self.variant)
        check_refiner(self.refiner)
        if self.seq_chunk < 1:
            raise OptionError(f"--seq-chunk must be at least 1, got {self.seq_chunk}")
        if self.downsample_ratio is not None and not 0 < self.downsample_ratio <= 1:
            raise OptionError(f"downsample ratio must be in (0, 1], got {self.downsample_ratio}")
        if self.backend not in BACKEND_CHOICES:
            raise OptionError(f"backend must be one of {', '.join(BACKEND_CHOICES)}, not {self.backend!r}")
        if self.codec is not None and self.codec not in CODEC_CHOICES:
            raise OptionError(f"unknown codec {self.codec!r}; choose from {', '.join(CODEC_CHOICES)}")
        if self.crf is not None and self.crf < 0:
            raise OptionError(f"--crf must be 0 or more, got {self.crf}")
        if self.frame_rate is not None and self.frame_rate <= 0:
            raise OptionError(f"--fps must be above 0, got {self.frame_rate}")
        if self.engine not in ("local", "ray"):
            from videomatte.cluster.options import RayEngine  # light: no Ray import

            if not isinstance(self.engine, RayEngine):
                raise OptionError(f"engine must be 'local', 'ray' or a RayEngine, not {self.engine!r}")

    @classmethod
    def field_names(cls) -> tuple[str, ...]:
        """The keyword arguments ``convert()`` accepts besides its inputs."""
        return tuple(f.name for f in fields(cls))
