from fractions import Fraction

import numpy as np
import pytest
from PIL import Image

from media_clips import NTSC, make_clip, moving_scene
from videomatte.errors import MediaError
from videomatte.io.readers import VideoReader, open_reader


def test_video_reader_keeps_exact_rate_and_timestamps(clip_dir):
    path = clip_dir / "timing.mp4"
    stamps = make_clip(path, frames=8)
    with open_reader(path) as reader:
        assert reader.info.frame_rate == NTSC
        frames = list(reader)
    assert len(frames) == 8
    assert [f.time for f in frames] == pytest.approx([s / 90000 for s in stamps], abs=1e-6)
    expected, _ = moving_scene(3, 96, 64)
    assert np.abs(frames[3].image.astype(int) - expected).mean() < 3


def test_variable_frame_rate_survives(clip_dir):
    path = clip_dir / "vfr.mp4"
    stamps = make_clip(path, frames=7, vfr=True)
    with open_reader(path) as reader:
        times = [f.time for f in reader]
    assert times == pytest.approx([s / 90000 for s in stamps], abs=1e-6)
    gaps = np.diff(times)
    assert gaps.min() == pytest.approx(1 / 30, abs=1e-4) and gaps.max() == pytest.approx(1 / 20, abs=1e-4)


@pytest.mark.parametrize("rotation", [90, -90, 180])
def test_rotation_metadata_is_applied(clip_dir, rotation):
    path = clip_dir / f"rot{rotation}.mp4"
    make_clip(path, frames=2, width=96, height=64, rotation=rotation)
    with open_reader(path) as reader:
        picture = next(iter(reader)).image
        assert reader.info.rotation == rotation % 360
    upright, _ = moving_scene(0, 96, 64)
    expected = np.rot90(upright, k=rotation // 90)
    assert picture.shape == expected.shape
    assert np.abs(picture.astype(int) - expected).mean() < 3


def test_ten_bit_input_is_decoded_as_uint16(clip_dir):
    path = clip_dir / "deep.mp4"
    make_clip(path, frames=2, ten_bit=True)
    with open_reader(path) as reader:
        assert reader.info.bit_depth == 10
        picture = next(iter(reader)).image
    assert picture.dtype == np.uint16
    expected, _ = moving_scene(0, 96, 64)
    assert np.abs(picture / 65535 * 255 - expected).mean() < 3
    # 10-bit precision: more distinct values than an 8-bit decode could give.
    assert len(np.unique(picture[..., 0])) > len(np.unique(expected[..., 0]))


def test_full_range_input_is_read_as_full_range(clip_dir):
    path = clip_dir / "full.mp4"
    make_clip(path, frames=1, full_range=True)
    with open_reader(path) as reader:
        assert reader.info.color.range == 2
        picture = next(iter(reader)).image
    expected, _ = moving_scene(0, 96, 64)
    assert np.abs(picture.astype(int) - expected).mean() < 3


def test_odd_size_and_audio_reported(ntsc_clip, odd_clip):
    with open_reader(odd_clip) as reader:
        assert (reader.info.width, reader.info.height) == (73, 41)
        assert not reader.info.has_audio
        assert len(list(reader)) == 6
    with open_reader(ntsc_clip) as reader:
        assert reader.info.has_audio


@pytest.mark.parametrize("content, message", [
    (None, "no such file"), (b"", "empty"), (b"\x00garbage" * 500, "not a readable video"),
])
def test_broken_inputs_raise_media_error(tmp_path, content, message):
    path = tmp_path / "in.mp4"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(MediaError, match=message):
        open_reader(path)


def test_truncated_video_raises(clip_dir, tmp_path):
    path = clip_dir / "long.mp4"
    make_clip(path, frames=30)
    data = path.read_bytes()
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[: len(data) * 2 // 3])
    with pytest.raises(MediaError, match="truncated"):
        with open_reader(cut) as reader:
            list(reader)


def test_file_without_video_stream(tmp_path):
    import av

    path = tmp_path / "sound.m4a"
    with av.open(str(path), "w") as container:
        stream = container.add_stream("aac", rate=44100)
        frame = av.AudioFrame.from_ndarray(np.zeros((1, 1024), np.float32), format="fltp", layout="mono")
        frame.sample_rate, frame.pts = 44100, 0
        container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    with pytest.raises(MediaError, match="no video stream"):
        open_reader(path)


def test_image_sequence_converts_modes_and_sorts_naturally(tmp_path):
    rgb, _ = moving_scene(0, 20, 10)
    Image.fromarray(rgb).save(tmp_path / "10.png")
    Image.fromarray(np.dstack([rgb, np.full((10, 20), 7, np.uint8)])).save(tmp_path / "2.png")
    Image.fromarray(rgb).convert("L").save(tmp_path / "1.png")
    Image.fromarray(rgb).convert("P").save(tmp_path / "3.png")
    (tmp_path / "notes.txt").write_text("ignored")
    with open_reader(tmp_path, frame_rate=Fraction(25)) as reader:
        assert reader.info.frame_rate == 25 and reader.info.frame_count == 4
        frames = list(reader)
    assert [f.pts for f in frames] == [0, 1, 2, 3]
    assert all(f.image.shape == (10, 20, 3) and f.image.dtype == np.uint8 for f in frames)
    assert np.array_equal(frames[1].image, rgb)  # 2.png: RGBA with its alpha dropped
    assert np.array_equal(frames[3].image, rgb)  # 10.png


def test_image_glob_and_errors(tmp_path):
    Image.new("RGB", (8, 8)).save(tmp_path / "a_0.png")
    Image.new("RGB", (9, 8)).save(tmp_path / "a_1.png")
    with open_reader(str(tmp_path / "a_*.png")) as reader:
        assert reader.info.frame_count == 2
        with pytest.raises(MediaError, match="9x8"):
            list(reader)
    with pytest.raises(MediaError, match="no images"):
        open_reader(str(tmp_path / "b_*.png"))
    (tmp_path / "empty").mkdir()
    with pytest.raises(MediaError, match="no images"):
        open_reader(tmp_path / "empty")


def test_vp9_alpha_is_decoded_when_asked(tmp_path):
    import av

    path = tmp_path / "alpha.webm"
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libvpx-vp9", rate=24)
        stream.width, stream.height, stream.pix_fmt = 32, 16, "yuva420p"
        rgba = np.zeros((16, 32, 4), np.uint8)
        rgba[..., 3] = np.linspace(0, 255, 32, dtype=np.uint8)[None]
        frame = av.VideoFrame.from_ndarray(rgba, format="rgba")
        frame.pts = 0
        container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    with VideoReader(path, alpha=True) as reader:
        picture = next(iter(reader)).image
    assert picture.shape == (16, 32, 4)
    assert np.abs(picture[..., 3].astype(int) - rgba[..., 3]).max() <= 6
