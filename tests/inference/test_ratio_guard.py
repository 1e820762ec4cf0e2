"""A conversion refuses a downsample ratio that leaves the network fewer than 64 pixels on the shorter
side (issue 24: ``--ratio 0.01`` on 360x640 wrote an all-transparent video), naming the smallest ratio
that works; the automatic ratio always passes the same check."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from media_clips import make_clip
from videomatte.cli.main import main
from videomatte.errors import OptionError
from videomatte.inference.limits import check_ratio_fits, smallest_ratio
from videomatte.models.geometry import network_side
from videomatte.models.registry import auto_downsample_ratio

sides = st.integers(min_value=1, max_value=8000)


def test_the_reported_case_is_refused_with_the_smallest_ratio():
    with pytest.raises(OptionError, match=r"^--ratio 0\.01 leaves the network 6x3 pixels of a 640x360 frame; "
                                          r"the smallest ratio that works here is 0\.1778 \(at least 64 "):
        check_ratio_fits(0.01, 360, 640)
    check_ratio_fits(0.1778, 360, 640)
    assert network_side(360, 0.1778) == 64 and network_side(360, 0.1777) == 63


@settings(max_examples=300, deadline=None)
@given(height=sides, width=sides)
def test_the_smallest_ratio_is_the_boundary_of_the_check(height, width):
    ratio = smallest_ratio(height, width)
    check_ratio_fits(ratio, height, width)
    assert network_side(min(height, width), ratio) >= min(64, height, width)
    below = round(ratio - 1e-4, 4)
    if below > 0:
        with pytest.raises(OptionError, match=f"the smallest ratio that works here is {ratio:g} "):
            check_ratio_fits(below, height, width)


@settings(max_examples=300, deadline=None)
@given(height=sides, width=sides)
def test_the_automatic_ratio_always_passes(height, width):
    ratio = auto_downsample_ratio(height, width)
    assert 0 < ratio <= 1
    check_ratio_fits(ratio, height, width)
    if max(height, width) > 512 and min(height, width) * 512 / max(height, width) >= 64:
        assert ratio == pytest.approx(512 / max(height, width))  # the original's rule where it is enough


def test_frames_under_64_pixels_only_run_whole():
    check_ratio_fits(1.0, 48, 64)
    with pytest.raises(OptionError, match=r"smallest ratio that works here is 1 \(at least 48 pixels"):
        check_ratio_fits(0.9, 48, 64)


def test_the_command_line_refuses_before_writing(tmp_path, capsys):
    clip = tmp_path / "wide.mp4"
    make_clip(clip, frames=1, width=640, height=360)
    code = main(["convert", str(clip), "-o", str(tmp_path / "out.mov"), "--ratio", "0.01", "--weights", "none"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 1 and len(err) == 1
    assert err[0].startswith("videomatte: error: --ratio 0.01 leaves the network 6x3 pixels of a 640x360")
    assert "0.1778" in err[0]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["wide.mp4"]


def test_a_frame_longer_than_16384_pixels_is_refused_before_the_network(tmp_path, capsys):
    """Found by the fuzzing campaign: a 64x262208 picture kept 64 pixels on its shorter side and ran the
    network on its whole length, for minutes."""
    import numpy as np
    from PIL import Image

    from videomatte.inference.limits import MAX_SIDE, check_frame_side

    check_frame_side(MAX_SIDE, 64)
    Image.fromarray(np.full((MAX_SIDE + 1, 64, 3), 90, np.uint8)).save(tmp_path / "strip.png")
    code = main(["convert", str(tmp_path / "strip.png"), "-o", str(tmp_path / "out.mov"), "--weights", "none"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 1 and err == ["videomatte: error: 64x16385 frames have a side longer than 16384 pixels; "
                                 "scale or crop the picture first"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["strip.png"]
