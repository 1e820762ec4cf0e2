"""Errors a user can act on. The command line prints ``str(err)`` as one line and exits non-zero."""
from __future__ import annotations

from typing import Protocol, Sequence


class VideoMatteError(Exception):
    """Base class of every error that is the user's input, not a bug."""

    exit_code = 1


class UnknownModelError(VideoMatteError, ValueError):
    """A variant, refiner or weights name that the registry does not know."""


class WeightsError(VideoMatteError):
    """Weights that cannot be found, fetched, verified or loaded."""


class MediaError(VideoMatteError):
    """A video or image input that cannot be read, or an output that cannot be written."""


class OutputExistsError(MediaError):
    """An output path that already exists, without ``--overwrite``."""


class OptionError(VideoMatteError, ValueError):
    """An option value out of range, or options that do not fit together."""


class SubjectError(VideoMatteError, ValueError):
    """A subject prompt that cannot be read, or that points at no person."""


class FrameTooLargeError(VideoMatteError):
    """A frame size whose conversion would not fit in the memory limit."""


class ExportError(OptionError):
    """Export arguments that do not fit together, or an export that failed its check."""


class DatasetError(VideoMatteError):
    """A dataset folder or file that is missing, empty or malformed; the message names the path."""


class ConfigError(VideoMatteError):
    """A training config that cannot be read or holds an unknown key or an invalid value."""


class CheckpointError(VideoMatteError):
    """A training checkpoint that cannot be read, or that does not fit the run it should resume."""


class InputOutcome(Protocol):
    """What ``BatchError`` reads of an input's result (``videomatte.conversion.results.ConvertResult``)."""

    error: str | None
    skipped: bool


class BatchError(VideoMatteError):
    """Some inputs of a batch failed; ``results`` holds every input's ``ConvertResult`` (both engines)."""

    def __init__(self, results: Sequence[InputOutcome]) -> None:
        done = sum(1 for r in results if not r.error and not r.skipped)
        skipped = sum(1 for r in results if r.skipped)
        failed = sum(1 for r in results if r.error)
        parts = [f"{done} converted"] + ([f"{skipped} skipped"] if skipped else []) + [f"{failed} failed"]
        super().__init__(", ".join(parts))
        self.results = list(results)


class Stopped(Exception):
    """Raised inside a pipeline stage when another stage has failed (never escapes ``Pipeline.join``)."""


class InjectedFailure(RuntimeError):
    """A failure injected on purpose by the cluster's fault hooks (tests of retries only)."""


class CutListError(OptionError):
    """A cut list (``--cuts FILE``) that cannot be read, or a cut in it that the input cannot have."""


class PathClashError(MediaError):
    """Two outputs on one path, or an output on (or inside, or around) a path the conversion reads."""
