"""The shared shot-cut detector and cut lists (no network)."""
from fractions import Fraction

import numpy as np
import pytest

from videomatte.errors import CutListError
from videomatte.io.cut_list import CutList, timecode_frame
from videomatte.io.cuts import CutDetector
from videomatte.io.shots import ShotStarts, check_cuts


def _scene(seed: int, height: int = 180, width: int = 320) -> np.ndarray:
    """A wide textured picture (smooth blobs of colour), wider than the frames cut from it."""
    rng = np.random.default_rng(seed)
    coarse = rng.uniform(0, 255, (height // 20 + 2, width // 20 + 2, 3))
    rows = np.linspace(0, coarse.shape[0] - 1.001, height)
    cols = np.linspace(0, coarse.shape[1] - 1.001, width)
    r0, c0 = rows.astype(int), cols.astype(int)
    fr, fc = (rows - r0)[:, None, None], (cols - c0)[None, :, None]
    top = coarse[r0][:, c0] * (1 - fc) + coarse[r0][:, c0 + 1] * fc
    bottom = coarse[r0 + 1][:, c0] * (1 - fc) + coarse[r0 + 1][:, c0 + 1] * fc
    return (top * (1 - fr) + bottom * fr).astype(np.uint8)


def _decisions(frames) -> list[int]:
    detector = CutDetector()
    return [index for index, frame in enumerate(frames) if detector.is_cut(frame)]


def test_a_fast_pan_is_no_cut_and_a_cut_is_found_at_its_frame():
    scene, other = _scene(1, width=640), _scene(2, width=640)
    pan = [scene[:, 12 * t:12 * t + 160] for t in range(20)]  # 12 px a frame: 7.5 % of the width
    assert _decisions(pan) == []
    shots = pan[:12] + [other[:, 12 * t:12 * t + 160] for t in range(8)]
    assert _decisions(shots) == [12]
    still = [scene[:, :160]] * 6 + [other[:, :160]] * 3
    assert _decisions(still) == [6]


def test_decisions_need_only_the_lead_in():
    """A detector started ``lead_in`` frames before a frame decides on it as one that saw everything."""
    scene, other = _scene(3, width=640), _scene(4, width=640)
    frames = [scene[:, 8 * t:8 * t + 160] for t in range(30)] + [other[:, 8 * t:8 * t + 160] for t in range(10)]
    full = CutDetector()
    everything = [full.is_cut(f) for f in frames]
    late = CutDetector()
    start = 30 - late.lead_in
    assert [late.is_cut(f) for f in frames[start:]][late.lead_in:] == everything[30:]
    assert everything[30]


def test_cut_list_frames_timecodes_and_times(tmp_path):
    path = tmp_path / "cuts.txt"
    path.write_text("# shots of the edit\n120\n00:00:08:12, 00:00:12.480\n\n01:02.5  # MM:SS.mmm\n0\n")
    assert CutList.read(path).frames(Fraction(25)) == {120, 8 * 25 + 12, 312, 1562}  # 12.48 s, 62.5 s at 25 fps
    ntsc = CutList.parse("00:00:08:12\n00:00:12.480\n00:01:00;02\n00:10:00;00")
    assert ntsc.frames(Fraction(30000, 1001)) == {252, 374, 1800, 17982}  # 12.48 s x 29.97 = 374.03
    with pytest.raises(CutListError, match="drop-frame timecode 00:01:00;02 needs a 29.97"):
        ntsc.frames(Fraction(25))
    assert timecode_frame(1, 0, 0, 0, Fraction(24), drop=False) == 86400


@pytest.mark.parametrize("text, message", [
    ("12\nbogus\n", r"cuts.txt, line 2: 'bogus' is not a frame number"),
    ("# nothing\n\n", "no cut in it"),
    ("00:00:01:30\n", "timecode 00:00:01:30 does not exist at 25 fps"),
    ("00:01:00;00\n", None),
])
def test_bad_cut_lists_are_one_line(tmp_path, text, message):
    path = tmp_path / "cuts.txt"
    path.write_text(text)
    if message is None:  # a drop-frame timecode on a skipped number
        with pytest.raises(CutListError, match="does not exist"):
            CutList.read(path).frames(Fraction(30000, 1001))
        return
    with pytest.raises(CutListError, match=message) as caught:
        CutList.read(path).frames(Fraction(25))
    assert "\n" not in str(caught.value)


def test_cuts_setting():
    assert check_cuts("auto") == "auto" and check_cuts("off") == "off"
    assert check_cuts([5, 9]).frames(Fraction(30)) == {5, 9}
    with pytest.raises(CutListError, match="no such file"):
        check_cuts("autp")
    with pytest.raises(CutListError, match="frame numbers"):
        check_cuts([1.5])
    with pytest.raises(CutListError, match="auto or off"):
        check_cuts([5], live=True)
    picture = np.zeros((8, 8, 3), np.uint8)
    off, listed = ShotStarts("off"), ShotStarts(CutList.of_frames([2]))
    assert [off(k, picture) for k in range(4)] == [False] * 4
    assert [listed(k, picture) for k in range(4)] == [False, False, True, False]
