"""Live: a source that jumps to another shot restarts the recurrent state (``cuts``)."""
from __future__ import annotations

import pytest

from live_fakes import echo_session, indexed_frames
from videomatte.errors import OptionError
from videomatte.live import LiveMatting
from videomatte.live.live_options import LiveOptions


def _jumping() -> list:
    """Five frames of one shot, then four of another (the picture turned into its negative)."""
    return indexed_frames(5) + [255 - frame for frame in indexed_frames(4)]


@pytest.mark.parametrize("cuts, counts, found", [
    ("auto", [1, 1, 2, 3, 4, 5, 1, 2, 3, 4], 1),  # the first call is the warm-up before the clock starts
    ("off", [1, *range(1, 10)], 0),
])
def test_a_jump_to_another_shot_restarts_the_state(cuts, counts, found) -> None:
    session, network = echo_session()
    live = LiveMatting(session=session, source=_jumping(), pace=False, background="black", quality="high",
                       callback=lambda picture, captured: None, cuts=cuts)
    stats = live.run()
    assert stats.frames_processed == 9 and network.counts == counts
    assert stats.cuts == found == stats.as_dict()["cuts"]


def test_live_takes_only_auto_or_off() -> None:
    with pytest.raises(OptionError, match="auto or off"):
        LiveOptions(cuts="cuts.txt")
