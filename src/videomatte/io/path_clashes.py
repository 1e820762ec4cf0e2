"""Every path a conversion writes, checked against every path it reads and every other path it writes,
before any work starts (issue 24: batches that met at one path lost work without a word).

Paths are compared after ``~``, relative paths and symbolic links are resolved (``os.path.realpath``),
with the file system's case rule (``os.path.normcase``) and, where both exist, by identity
(``os.path.samefile``: hard links, case-insensitive volumes). Output patterns such as
``out/{name}.mov`` are expanded for every input. Refused, naming both paths in one line:

* two outputs on one path (two inputs of the same name into one pattern, ``--alpha`` equal to ``-o``);
* an output that is, or lies inside, a path read: an input, the folder of an image-sequence input (or of
  a folder of videos), ``--background``, ``--weights``;
* a path read that lies inside a folder output (the folder is replaced as a whole), or an output inside
  another output's folder.

``--overwrite`` changes none of this: it replaces earlier results, never what the same run reads or
writes. Standard library only, so that the command line answers before PyTorch loads.
"""
from __future__ import annotations

import glob
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

from videomatte.errors import PathClashError
from videomatte.io.codecs import is_sequence_path


@dataclass(frozen=True)
class Place:
    """One path of a conversion.

    Attributes:
        path: as the user wrote it (after ``{name}`` expansion).
        label: who uses it, for the message (``"the input a.mp4"``, ``"-o for a.mp4"``).
        folder: read or written as a whole folder (an image sequence, a folder of videos, ``dir/``).
        written: an output (else a path read).
    """

    path: str
    label: str
    folder: bool = False
    written: bool = False

    @property
    def key(self) -> str:
        return os.path.normcase(os.path.realpath(os.path.expanduser(self.path)))


def input_name(source: str) -> str:
    """The name that ``{name}`` stands for: a file's stem, a folder's name, a glob's folder name."""
    path = Path(source)
    if glob.has_magic(source) and not path.exists():
        path = path.parent
    return path.stem if path.is_file() else path.name


def read_places(sources: Sequence[str], background: str | None = None, weights: str | None = None) -> list[Place]:
    """What a conversion reads: each input (a glob as its folder), an existing background file, a weights file."""
    places = []
    for source in sources:
        if not Path(source).exists() and glob.has_magic(source):
            places.append(Place(str(Path(source).parent), f"the input {source}", folder=True))
        else:
            places.append(Place(source, f"the input {source}", folder=Path(source).is_dir()))
    for option, text in (("--background", background), ("--weights", weights)):
        if text and os.path.isfile(os.path.expanduser(text)):
            places.append(Place(text, f"{option} {text}"))
    return places


def written_places(sources: Sequence[str], outputs: Iterable[tuple[str, str]]) -> list[Place]:
    """Every output of every input: ``(option, pattern)`` pairs, ``{name}`` replaced per input."""
    places = []
    for option, pattern in outputs:
        for source in (sources if "{name}" in pattern else sources[:1]) or [""]:
            path = pattern.replace("{name}", input_name(source))
            label = f"{option} for {source}" if len(sources) > 1 else option
            places.append(Place(path, label, folder=is_sequence_path(path), written=True))
    return places


def _same(a: Place, b: Place) -> bool:
    if a.key == b.key:
        return True
    try:
        return os.path.samefile(a.path, b.path)
    except (OSError, ValueError):
        return False


def _inside(inner: Place, outer: Place) -> bool:
    """``inner`` lies within the folder ``outer`` (strictly below it)."""
    if not outer.folder:
        return False
    try:
        return os.path.commonpath([inner.key, outer.key]) == outer.key and inner.key != outer.key
    except ValueError:  # different drives
        return False


def clash(a: Place, b: Place) -> str | None:
    """Why ``a`` (written) and ``b`` (read or written) cannot both be used, or ``None``."""
    if _same(a, b):
        if not b.written:
            return f"{a.label} would overwrite {b.label} ({b.path})"
        return f"{a.label} and {b.label} are the same path ({b.path})"
    if _inside(a, b):
        return f"{a.label} ({a.path}) lies inside {b.label} ({b.path})"
    if _inside(b, a):
        return f"{b.label} ({b.path}) lies inside {a.label} ({a.path})"
    return None


def check_paths(sources: Sequence[str], outputs: Iterable[tuple[str, str]], background: str | None = None,
                weights: str | None = None) -> None:
    """Refuse a conversion whose outputs meet each other or the paths it reads.

    Args:
        sources: the inputs, expanded (each video of a folder of videos on its own).
        outputs: ``(option, pattern)`` pairs such as ``("-o", "out/{name}.mov")``.

    Raises:
        PathClashError: one line naming both paths.
    """
    written = written_places(list(sources), outputs)
    reads = read_places(list(sources), background, weights)
    for index, place in enumerate(written):
        for other in reads + written[:index]:
            reason = clash(place, other)
            if reason:
                raise PathClashError(f"{reason}; give each output a path of its own, away from the inputs")
