"""Errors a user can act on. The command line prints ``str(err)`` as one line and exits non-zero."""
from __future__ import annotations


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


class PathClashError(MediaError):
    """Two outputs on one path, or an output on (or inside, or around) a path the conversion reads."""
