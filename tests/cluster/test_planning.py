"""Segment planning and the shot-cut test (no Ray needed)."""
from fractions import Fraction
from pathlib import Path

import numpy as np

from videomatte.cluster.cuts import is_cut, thumbnail
from videomatte.cluster.plan import plan_segments, segment_starts, work_folder


def test_segments_are_cut_by_time_with_warmup():
    stamps = [k * 1001 for k in range(100)]  # 30000/1001 fps in 1/30000 s
    starts = segment_starts(stamps, Fraction(1, 30000), 1.0)
    assert starts == [0, 30, 60, 90]  # 30 frames of 1001/30000 s = 1.001 s >= 1 s
    segments = plan_segments("in.mp4", stamps, Fraction(1, 30000), 1.0, 8, Path("work"))
    assert [(s.start, s.stop, s.warm_start) for s in segments] == [(0, 30, 0), (30, 60, 22), (60, 90, 52),
                                                                  (90, 100, 82)]
    assert sum(s.frames for s in segments) == 100
    assert segments[2].path == str(Path("work") / "segment-00002")


def test_variable_frame_rate_is_cut_by_time():
    stamps, pts = [], 0
    for k in range(12):  # gaps of 1/30 s and 1/10 s alternately: 2 frames every 2/15 s
        stamps.append(pts)
        pts += 3 if k % 2 == 0 else 9
    assert segment_starts(stamps, Fraction(1, 90), 0.25) == [0, 4, 8]  # at 24/90 s and 48/90 s


def test_work_folder_depends_on_settings(tmp_path):
    source = tmp_path / "clip.mp4"
    source.write_bytes(b"x")
    first = work_folder(str(source), str(tmp_path / "out" / "clip.mov"), {"warmup": 8})
    assert first.parent == tmp_path / "out" and first.name.startswith(".videomatte-segments-clip-")
    assert first == work_folder(str(source), str(tmp_path / "out" / "clip.mov"), {"warmup": 8})
    assert first != work_folder(str(source), str(tmp_path / "out" / "clip.mov"), {"warmup": 16})


def test_cut_test_tells_cuts_from_motion():
    yy, xx = np.mgrid[0:90, 0:160]
    scene = np.stack([xx * 1.5, yy * 2.0, np.full_like(xx, 60)], -1).astype(np.uint8)
    moved = np.roll(scene, 6, axis=1)  # a pan
    other = (255 - scene).astype(np.uint8)  # another shot
    assert not is_cut(thumbnail(scene), thumbnail(moved))
    assert is_cut(thumbnail(scene), thumbnail(other))
    assert thumbnail(scene).shape == (32, 32) and thumbnail(scene[:10, :10]).shape == (10, 10)
