"""``ConvertResult.cuts`` with ``--engine ray``: the shots' first frames, as a full read finds them, also
for segments reused by a rerun. The network is emulated (the cuts come from the pictures alone)."""
from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from media_clips import moving_scene

from videomatte.cluster import FaultHooks, RayEngine
from videomatte.conversion.batch import convert
from videomatte.errors import VideoMatteError
from videomatte.io.readers import open_reader
from videomatte.io.shots import ShotStarts

ray = pytest.importorskip("ray", reason="the ray engine needs the 'cluster' extra (ray)")
pytestmark = pytest.mark.slow  # a real local Ray instance

RATE = 20  # 0.75 s segments start at frames 0, 15, 30


def _scene(index: int) -> np.ndarray:
    """Three shots: the moving scene, its negative from frame 15 (a segment's first frame), the scene
    mirrored and darkened from frame 33 (inside the last segment)."""
    picture = moving_scene(index, 96, 64)[0]
    if index >= 33:
        return np.ascontiguousarray(picture[:, ::-1] // 3)
    return 255 - picture if index >= 15 else picture


@pytest.fixture(scope="module")
def clip(tmp_path_factory) -> Path:
    import av

    path = tmp_path_factory.mktemp("ray-cuts") / "shots.mp4"
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=RATE, options={"preset": "ultrafast", "g": "10", "crf": "12"})
        stream.width, stream.height, stream.pix_fmt = 96, 64, "yuv420p"
        for index in range(45):
            frame = av.VideoFrame.from_ndarray(_scene(index), format="rgb24")
            frame.pts, frame.time_base = index, Fraction(1, RATE)
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    return path


def _full_read(clip: Path) -> list[int]:
    """What the local engine reports: the cut test over every frame in order."""
    shots = ShotStarts("auto", Fraction(RATE))
    with open_reader(clip) as reader:
        return [frame.index for frame in reader if shots(frame.index, frame.image)]


def test_ray_reports_the_cuts_of_a_full_read_also_after_a_rerun(clip, ray_local, tmp_path):
    expected = _full_read(clip)
    assert {15, 33} <= set(expected)  # and where the disc jumps back to the left (29, 43)
    settings = {"workers": 2, "segment_seconds": 0.75, "warmup": 4, "emulate_network": 0.0}
    [result] = convert(clip, alpha=tmp_path / "all.mkv", weights=None, progress=False,
                       engine=RayEngine(**settings))
    assert result.cuts == expected
    with pytest.raises(VideoMatteError, match="segment 2 failed"):
        convert(clip, alpha=tmp_path / "rerun.mkv", weights=None, progress=False,
                engine=RayEngine(**settings, hooks=FaultHooks(fail_segment=2)))
    [rerun] = convert(clip, alpha=tmp_path / "rerun.mkv", weights=None, progress=False, engine=RayEngine(**settings))
    assert rerun.cuts == expected  # 15 and 29 from a reused segment's record, 33 and 43 found again
