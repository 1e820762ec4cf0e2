"""Segment planning, with and without a cut list (no Ray needed)."""
from fractions import Fraction
from pathlib import Path

from videomatte.cluster.plan import plan_segments, segment_starts, snap_to_cuts, work_folder


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


def test_listed_cuts_start_segments_and_bound_the_warmup():
    stamps = [k * 1001 for k in range(100)]
    segments = plan_segments("in.mp4", stamps, Fraction(1, 30000), 1.0, 8, Path("work"), frozenset({27, 65, 70}))
    # 30 moves onto the cut at 27, 60 onto 65 (the nearer of the two within 8 frames), 90 stays; a segment
    # that starts at a cut has no warm-up, and none reaches back past a cut
    assert [(s.start, s.stop, s.warm_start) for s in segments] == [(0, 27, 0), (27, 65, 27), (65, 90, 65),
                                                                  (90, 100, 82)]
    assert snap_to_cuts([0, 30, 31], frozenset({29}), 8) == [0, 29, 31]
