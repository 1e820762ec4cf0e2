"""Errors of the training package that the user can act on (a file to fix, an option to change)."""
from __future__ import annotations

from videomatte.errors import VideoMatteError


class DatasetError(VideoMatteError):
    """A dataset folder or file that is missing, empty or malformed; the message names the path."""


class ConfigError(VideoMatteError):
    """A training config that cannot be read or holds an unknown key or an invalid value."""


class CheckpointError(VideoMatteError):
    """A training checkpoint that cannot be read, or that does not fit the run it should resume."""
