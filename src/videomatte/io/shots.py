"""Which frames of an input start a new shot: the ``cuts`` setting (``auto``, ``off`` or a cut list),
the same for the local pipeline, the cluster's workers and live.

``auto`` asks :class:`~videomatte.io.cuts.CutDetector` about every frame, a :class:`CutList` names the
frames, ``off`` never cuts. The engines reset the recurrent state at each frame that starts a shot
(``MattingSession.cut``), so that a shot's mattes do not carry ghosts of the shot before.
"""
from __future__ import annotations

import os
from fractions import Fraction
from typing import Sequence

import numpy as np

from videomatte.errors import CutListError
from videomatte.io.cut_list import CutList
from videomatte.io.cuts import CutDetector, CutSettings

CUT_MODES = ("auto", "off")
CutsSetting = str | os.PathLike | Sequence[int] | CutList


def check_cuts(cuts: CutsSetting, live: bool = False) -> str | CutList:
    """The ``cuts`` setting as ``"auto"``, ``"off"`` or a read :class:`CutList`.

    Args:
        cuts: ``"auto"``, ``"off"``, a cut-list file, a sequence of frame numbers or a ``CutList``.
        live: a live source (frames are dropped there, so only ``auto`` and ``off`` make sense).

    Raises:
        CutListError: a file that is missing or bad (one line), or a list where only auto/off fit.
    """
    if isinstance(cuts, CutList):
        found = cuts
    elif isinstance(cuts, str) and cuts in CUT_MODES:
        return cuts
    elif isinstance(cuts, (str, os.PathLike)):
        found = CutList.read(cuts)
    elif isinstance(cuts, Sequence):
        found = CutList.of_frames(list(cuts))
    else:
        raise CutListError(f"cuts must be auto, off, a cut-list file or frame numbers, not {cuts!r}")
    if live:
        raise CutListError("live matting takes --cuts auto or off (frames are dropped, so a list of frame "
                           "numbers cannot be followed)")
    return found


class ShotStarts:
    """Tells, frame after frame, whether a new shot starts at it.

    Args:
        cuts: ``"auto"``, ``"off"`` or a :class:`CutList` (see :func:`check_cuts`).
        frame_rate: the input's rate, for the timecodes and times of a cut list.
        settings: the detector's thresholds (``auto``).

    Call it with every frame in order from the first one it is to decide on (``auto`` looks at the
    pictures; a list only at the numbers); see :attr:`lead_in` for starting in the middle.
    """

    def __init__(self, cuts: str | CutList, frame_rate: Fraction | None = None,
                 settings: CutSettings = CutSettings()) -> None:
        self.mode = cuts if isinstance(cuts, str) else "list"
        self._listed = cuts.frames(frame_rate or Fraction(30)) if isinstance(cuts, CutList) else frozenset()
        self._detector = CutDetector(settings) if cuts == "auto" else None

    @property
    def listed(self) -> frozenset[int]:
        """The frames a cut list names (empty for ``auto`` and ``off``)."""
        return self._listed

    @property
    def lead_in(self) -> int:
        """Frames to feed before the first frame decided on for its decision to equal a full read's."""
        return self._detector.lead_in if self._detector is not None else 0

    def __call__(self, index: int, picture: np.ndarray) -> bool:
        """Whether frame number ``index`` (``picture``, ``uint8``/``uint16`` ``[H, W, C]``) starts a shot."""
        if self._detector is not None:
            return self._detector.is_cut(picture)
        return index in self._listed
