"""The shot cuts a segment's worker found, kept beside the segment so that a resumed run reports them too.

``ConvertResult.cuts`` lists the frames where the recurrent state was reset. On Ray each worker finds
the cuts of its own frames (``start..stop-1``: the one at ``start`` in the warm-up, the others in the
pipeline); :func:`record_cuts` writes them (JSON) to ``PATH.cuts`` before the segment's timestamps (the
record that makes it finished), and :func:`recorded_cuts` reads them back for a segment found finished.
"""
from __future__ import annotations

import json
from pathlib import Path

from videomatte.cluster.plan import Segment
from videomatte.io.files import write_atomically


def _cuts_path(segment: Segment) -> Path:
    return Path(f"{segment.path}.cuts")


def record_cuts(segment: Segment, cuts: list[int]) -> None:
    """Keep the frame numbers (in the whole input) of the cuts found in ``segment``."""
    text = json.dumps(sorted(cuts))
    write_atomically(_cuts_path(segment), lambda temp: temp.write_text(text))


def recorded_cuts(segment: Segment) -> list[int]:
    """The cuts :func:`record_cuts` kept for ``segment`` (none if it kept nothing or the file is damaged)."""
    try:
        return [int(frame) for frame in json.loads(_cuts_path(segment).read_text())]
    except (OSError, ValueError, TypeError):
        return []
