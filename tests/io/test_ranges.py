"""Time ranges (--start, --duration): the frames of the range stamped from 0, the audio cut to match."""
from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from media_clips import make_clip, stream_seconds
from videomatte.cli.main import main
from videomatte.errors import MediaError, OptionError
from videomatte.conversion.batch import convert
from videomatte.io.ranges import open_range
from videomatte.io.readers import open_reader
from videomatte.io.timecode import parse_range, parse_time

FPS = Fraction(15)


@pytest.fixture(scope="module")
def long_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """3 s at 15 fps (45 frames, 64x48) with a stereo AAC track."""
    path = tmp_path_factory.mktemp("range") / "talk.mp4"
    make_clip(path, frames=45, width=64, height=48, rate=FPS, audio=True)
    return path


@pytest.mark.parametrize("text, seconds", [("12.5", 12.5), ("0", 0.0), ("1:05", 65.0), ("00:01:02.250", 62.25),
                                           ("2:00:00", 7200.0), (3, 3.0)])
def test_times_are_seconds_or_timecodes(text, seconds) -> None:
    assert parse_time(text, "--start") == pytest.approx(seconds)


@pytest.mark.parametrize("start, duration, message", [
    ("-1", None, r"--start must be 0 or more, got -1"),
    (None, "0", r"--duration must be above 0, got 0"),
    (None, "-0.5", r"--duration must be 0 or more"),
    ("1:75", None, r"minutes and seconds go up to 59"),
    ("soon", None, r"--start takes seconds \(12\.5\) or a timecode"),
    ("inf", None, r"finite"),
])
def test_bad_times_are_refused(start, duration, message) -> None:
    with pytest.raises(OptionError, match=message):
        parse_range(start, duration)


def test_a_range_of_a_video_is_its_frames_from_zero(long_clip: Path) -> None:
    with open_reader(long_clip) as reader:
        everything = list(reader)
    with open_range(long_clip, start=1.0, duration=1.0) as reader:
        assert reader.info.frame_count == 15
        part = list(reader)
    assert len(part) == 15
    assert part[0].pts == 0 and [f.index for f in part] == list(range(15))
    assert part[-1].time == pytest.approx(14 / 15, abs=1e-6)
    for got, want in zip(part, everything[15:30]):
        assert np.array_equal(got.image, want.image)


def test_a_timecode_start_to_the_end(long_clip: Path) -> None:
    with open_range(long_clip, start="00:00:02.5", duration=None) as reader:
        frames = list(reader)
    assert len(frames) == 7 and frames[0].pts == 0  # 2.5 s falls between frames 37 and 38: 38..44


def test_a_range_of_an_image_sequence(tmp_path: Path) -> None:
    from PIL import Image

    for index in range(10):
        Image.fromarray(np.full((8, 8, 3), index * 20, np.uint8)).save(tmp_path / f"{index:03d}.png")
    with open_range(tmp_path, Fraction(10), start=0.3, duration=0.4) as reader:
        frames = list(reader)
    assert [int(f.image[0, 0, 0]) for f in frames] == [60, 80, 100, 120]
    assert [f.pts for f in frames] == [0, 1, 2, 3]
    with pytest.raises(MediaError, match=r"--start 1\.5 s is at or past its end \(1 s long\)"):
        open_range(tmp_path, Fraction(10), start=1.5)


def test_a_start_past_the_end_is_one_line(long_clip: Path) -> None:
    with pytest.raises(MediaError, match=r"talk\.mp4: --start 5 s is at or past its end \(3"):
        open_range(long_clip, start=5.0)


@pytest.mark.slow
def test_convert_cuts_video_and_audio_together(long_clip: Path, random_weights: Path, tmp_path: Path) -> None:
    out = tmp_path / "part.mov"
    results = convert(long_clip, output=out, weights=random_weights, device="cpu", backend="torch",
                      downsample_ratio=1.0, start="0:00:01", duration=1.0, progress=False)
    assert results[0].frames == 15
    with av.open(str(out)) as container:
        video = container.streams.video[0]
        stamps = sorted(float(f.pts * f.time_base) for f in container.decode(video))
    assert len(stamps) == 15 and stamps[0] == 0.0
    assert stream_seconds(out, "audio") == pytest.approx(1.0, abs=1 / 30)


def test_command_line_range_mistakes_are_one_line(long_clip: Path, tmp_path: Path, capsys) -> None:
    for flags, message in ((["--start", "-2"], "--start must be 0 or more"),
                           (["--duration", "0"], "--duration must be above 0"),
                           (["--start", "4", "--weights", "none", "--backend", "torch"], "is at or past its end")):
        code = main(["convert", str(long_clip), "-o", str(tmp_path / "x.mov"), "--quiet", *flags])
        err = capsys.readouterr().err.strip().splitlines()
        assert code == 1 and len(err) == 1 and message in err[0], err
    assert list(tmp_path.iterdir()) == []
