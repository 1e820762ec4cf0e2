"""``ConvertOptions``: everything one conversion is asked to do, validated once.

The command line builds it from its flags, ``videomatte.convert()`` from its keyword arguments, and the
pipeline reads it; nothing here imports torch, so that a bad option is answered at once.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from fractions import Fraction
from typing import TYPE_CHECKING, Any, Protocol, Sequence

from videomatte.errors import OptionError
from videomatte.inference.model_settings import ModelSettings, replace_with_model
from videomatte.io.codecs import CODECS, SEQUENCE_CODECS
from videomatte.io.shots import CutsSetting, check_cuts
from videomatte.io.timecode import parse_range

if TYPE_CHECKING:
    from videomatte.conversion.outputs import OutputPlan
    from videomatte.conversion.results import ConvertResult

CODEC_CHOICES = (*CODECS, *(c for c in SEQUENCE_CODECS if c not in CODECS))
PathLike = str | os.PathLike | None


Planned = Sequence[tuple[str, list["OutputPlan"]]]
"""Every input of a conversion with its own outputs (paths may still hold ``{name}``)."""


class Engine(Protocol):
    """Runs a planned conversion (``videomatte.conversion.engines.LocalEngine``, the cluster's ``RayEngine``)."""

    def run(self, planned: Planned, batch: bool, options: ConvertOptions) -> list[ConvertResult]:
        """One result per input, in order. In a batch a failed input is reported (its ``error`` set) and
        the others go on; a single input's failure raises ``VideoMatteError``."""
        ...


@dataclass(frozen=True)
class ConvertOptions:
    """What a conversion writes and how it mattes.

    Attributes:
        output: main output; ``.mov`` (ProRes 4444), ``.webm`` (VP9), ``.mkv`` (FFV1) and folders
            (``dir/``, PNG) get foreground + alpha, ``.mp4`` (H.264) a composite over ``background``.
        alpha, foreground, composite: further outputs (any format above). With several inputs every
            output path must contain ``{name}``, replaced by each input's name.
        background: ``green`` (or another colour name), ``#RRGGBB``, ``blur``, an image or a video file.
        model: the network, its runtime, ratio and subject (:class:`ModelSettings`); the ratio ``None``
            means ``min(512 / max(H, W), 1)`` per input.
        seq_chunk: frames per network call.
        overwrite: replace existing outputs (otherwise an error, or a skip in a batch).
        progress: draw a progress line on a terminal.
        premultiplied: colour multiplied by alpha in RGBA outputs (default straight alpha).
        codec: codec of the main output (``h265``, ``png``, ``tiff``...); ``crf``: its quality.
        audio: copy the input's audio into video outputs.
        frame_rate: frame rate of image-sequence inputs (default 30).
        engine: who runs the conversion: ``None`` is this process
            (``videomatte.conversion.engines.LocalEngine``); ``videomatte.cluster.RayEngine(...)`` runs it
            as segments on Ray workers.
        start, duration: convert only this range of each video or image sequence: seconds (``12.5``) or
            a timecode (``"00:00:12.500"``), stored as seconds; the outputs' first frame is at 0 and the
            audio is cut to match (``docs/stills-and-ranges.md``).
        stills: read every picture of a folder, glob or list as a photo of its own (one output each),
            even when they all have one size (which otherwise makes them an image sequence).
        stats: a JSON file to write where the time went (seconds per phase: decode, network, compositing,
            encode, join, waiting, other; they add up to the wall time), for both engines.
        cuts: where shots start, to reset the recurrent state there (a shot's mattes then equal the shot
            matted alone): ``auto`` (detected, ``videomatte.io.cuts``), ``off``, a cut-list file (frame
            numbers or timecodes, ``videomatte.io.cut_list``; one input only) or a list of frame numbers;
            stored read, as ``"auto"``, ``"off"`` or a ``CutList``.

    Raises:
        OptionError: (from the constructor) a value out of range or a name nobody knows.
    """

    output: PathLike = None
    alpha: PathLike = None
    foreground: PathLike = None
    composite: PathLike = None
    background: str = "green"
    model: ModelSettings = field(default_factory=ModelSettings)
    seq_chunk: int = 1
    overwrite: bool = False
    progress: bool = True
    premultiplied: bool = False
    codec: str | None = None
    crf: int | None = None
    audio: bool = True
    frame_rate: Fraction | None = None
    engine: Engine | None = None
    start: float | str | None = None
    duration: float | str | None = None
    stills: bool = False
    cuts: CutsSetting = "auto"
    stats: PathLike = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "cuts", check_cuts(self.cuts))  # stored read: a bad file fails here
        if not isinstance(self.model, ModelSettings):
            raise OptionError(f"model must be a ModelSettings, not {type(self.model).__name__}")
        if self.seq_chunk < 1:
            raise OptionError(f"--seq-chunk must be at least 1, got {self.seq_chunk}")
        if self.codec is not None and self.codec not in CODEC_CHOICES:
            raise OptionError(f"unknown codec {self.codec!r}; choose from {', '.join(CODEC_CHOICES)}")
        if self.crf is not None and self.crf < 0:
            raise OptionError(f"--crf must be 0 or more, got {self.crf}")
        if self.frame_rate is not None and self.frame_rate <= 0:
            raise OptionError(f"--fps must be above 0, got {self.frame_rate}")
        if self.engine is not None and not callable(getattr(self.engine, "run", None)):
            raise OptionError(f"engine must be None (this process) or an engine such as RayEngine, "
                              f"not {self.engine!r}")
        start, duration = parse_range(self.start, self.duration)
        object.__setattr__(self, "start", start)  # frozen: the parsed seconds replace the text once
        object.__setattr__(self, "duration", duration)
        if (start or duration is not None) and self.engine is not None:
            raise OptionError("--start and --duration work with the local engine only, not --engine ray")

    @classmethod
    def field_names(cls) -> tuple[str, ...]:
        """The keyword arguments ``convert()`` accepts besides its inputs (``ModelSettings``' too)."""
        return tuple(f.name for f in fields(cls)) + ModelSettings.field_names()

    def replace(self, **changes: Any) -> ConvertOptions:
        """A copy with ``changes``: fields of these options, or of ``ModelSettings`` (routed to ``model``).

        Raises:
            TypeError: a name that is neither.
        """
        return replace_with_model(self, changes)
