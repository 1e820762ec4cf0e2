"""What a conversion did with each input, and the rules every engine applies to an input's outputs:
``{name}`` expansion, never writing over the input, skipping finished inputs of a batch."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

from videomatte.conversion.inputs import read_inputs
from videomatte.conversion.outputs import OutputPlan
from videomatte.errors import MediaError
from videomatte.io.path_clashes import input_name  # what {name} stands for
from videomatte.io.writers import check_output


@dataclass
class ConvertResult:
    """What happened to one input.

    Attributes:
        source: the input.
        outputs: the files or folders written (or found finished, when skipped).
        frames: frames converted.
        seconds: wall time.
        skipped: every output already existed (batch runs skip finished inputs).
        backend: the runtime that matted it, in words (``MattingSession.runtime``).
        error: the message when this input failed in a batch run.
        cuts: the frames where a new shot started and the recurrent state was reset (``options.cuts``;
            both engines: on Ray, as each segment's worker found them).
    """

    source: str
    outputs: list[str] = field(default_factory=list)
    frames: int = 0
    seconds: float = 0.0
    skipped: bool = False
    backend: str = ""
    error: str | None = None
    cuts: list[int] = field(default_factory=list)

    @property
    def fps(self) -> float:
        """Frames per second of the whole conversion, decoding and encoding included."""
        return self.frames / self.seconds if self.seconds else 0.0


def expand_inputs(inputs: str | os.PathLike | Sequence[str | os.PathLike], stills: bool = False) -> list[str]:
    """Inputs to convert one by one: a folder or glob becomes what it holds (videos, one image sequence,
    or photos: ``videomatte.conversion.inputs``); a file stays as it is (the reader reports what is wrong)."""
    return read_inputs(inputs, stills).sources


def prepare_outputs(source: str, plans: list[OutputPlan], batch: bool, overwrite: bool) -> list[OutputPlan] | None:
    """This input's outputs, or ``None`` when a batch finds them all finished."""
    mine = [plan.for_input(input_name(source)) for plan in plans]
    for plan in mine:
        if Path(plan.path).resolve() == Path(source).resolve():
            raise MediaError(f"{plan.path}: the output would overwrite the input")
    if batch and not overwrite and all(Path(p.path).exists() for p in mine):
        return None
    for plan in mine:
        check_output(plan.path, overwrite)
    return mine
