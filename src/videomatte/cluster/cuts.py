"""The cluster's shot cuts: the detector and cut lists every engine shares, from ``videomatte.io``.

Workers reset the recurrent state at every cut they find (``videomatte.io.shots.ShotStarts``), in a
segment's warm-up and in the segment, deciding exactly as the local engine does; with a cut list the
plan also starts segments at the listed cuts (:func:`videomatte.cluster.plan.snap_to_cuts`).
"""
from __future__ import annotations

from videomatte.io.cut_list import CutList
from videomatte.io.cuts import CutDetector, CutSettings, change, signature, thumbnail
from videomatte.io.shots import ShotStarts, check_cuts

__all__ = ["CutDetector", "CutList", "CutSettings", "ShotStarts", "change", "check_cuts", "signature",
           "thumbnail"]
