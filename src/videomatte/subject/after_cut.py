"""Subject selection across a shot cut.

At a cut the people are chosen again by the same prompt on the new shot's first frame, as if the shot
were matted alone (the prompt's points, box or mask are frame positions: an interview cut back to the
same camera finds the same person). Where the prompt points at nobody in that frame, the selection
carries on from the shot before instead of failing: people where the chosen ones stood stay chosen, and
a chosen person out of sight comes back near where they were last seen (the tracker's own rules).
"""
from __future__ import annotations

import copy

import numpy as np

from videomatte.errors import SubjectError
from videomatte.subject.tracker import SubjectTracker


class AfterCutTracker(SubjectTracker):
    """The tracker of the shot that starts at a cut after ``before``'s frames (see the module docstring).

    ``before`` may still be finishing the frames begun before the cut; this tracker looks at it only
    when its own first frame comes, after those, and lets go of it then.
    """

    def __init__(self, before: SubjectTracker) -> None:
        super().__init__(before.prompt, before.settings)
        self._before: SubjectTracker | None = before

    def _first_owner(self, found: np.ndarray, count: int) -> np.ndarray:
        before, self._before = self._before, None
        try:
            return super()._first_owner(found, count)
        except SubjectError:
            previous = getattr(before, "_owner", None)
            if previous is None or previous.shape != found.shape:
                raise
        carried = copy.deepcopy(before)
        self._owner, self._tracks, self._colours, self.frame = (carried._owner, carried._tracks,
                                                                carried._colours, carried.frame)
        return self._follow(found)
