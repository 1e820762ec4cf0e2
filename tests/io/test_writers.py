import errno
from fractions import Fraction

import numpy as np
import pytest
from PIL import Image

from media_clips import make_clip, moving_scene, stream_seconds
from videomatte.errors import MediaError, OutputExistsError
from videomatte.io.readers import VideoReader, open_reader
from videomatte.io.writers import VideoWriter, open_writer


def _rgba_copy(source, output, **kwargs):
    """Write the source's frames with the scene's known alpha; returns (frames written, alphas)."""
    alphas = []
    with open_reader(source) as reader, open_writer(output, reader.info, alpha=True, **kwargs) as writer:
        for frame in reader:
            _, alpha = moving_scene(frame.index, reader.info.width, reader.info.height)
            a8 = np.round(alpha * 255).astype(np.uint8)
            alphas.append(a8)
            writer.write(np.dstack([frame.image, a8]), frame.pts, frame.time_base)
    return writer, alphas


@pytest.mark.parametrize("suffix, crf, tolerance, copied", [
    (".mov", None, 1, True),   # ProRes 4444 10-bit alpha, AAC copied
    (".webm", 4, 12, False),    # VP9 yuva420p (lossy, near-lossless quality), AAC re-encoded to Opus
    (".mkv", None, 0, True),   # FFV1 lossless
])
def test_alpha_video_roundtrip_with_audio_and_timestamps(ntsc_clip, tmp_path, suffix, crf, tolerance, copied):
    output = tmp_path / f"out{suffix}"
    writer, alphas = _rgba_copy(ntsc_clip, output, crf=crf)
    assert writer.audio_copied is copied
    assert output.exists() and [p.name for p in tmp_path.iterdir()] == [output.name]
    with open_reader(ntsc_clip) as reader:
        source_times = [f.time for f in reader]
    with VideoReader(output, alpha=True) as reader:
        frames = list(reader)
        assert reader.info.frame_rate == Fraction(30000, 1001)
    assert len(frames) == len(alphas)
    # Matroska/WebM store milliseconds; MOV keeps the source's time base.
    assert [f.time for f in frames] == pytest.approx(source_times, abs=6e-4)
    for frame, alpha in zip(frames, alphas):
        got = frame.image[..., 3].astype(np.float64) / (65535 if frame.image.dtype == np.uint16 else 255) * 255
        error = np.abs(got - alpha)
        assert error.max() <= tolerance + 0.51 and error.mean() < 0.5
    assert stream_seconds(output, "audio") == pytest.approx(stream_seconds(ntsc_clip, "audio"), abs=0.03)


def test_h264_composite_keeps_odd_size_and_timestamps(odd_clip, tmp_path):
    output = tmp_path / "out.mp4"
    with open_reader(odd_clip) as reader, open_writer(output, reader.info, alpha=False, crf=10) as writer:
        sources = []
        for frame in reader:
            sources.append((frame.time, frame.image))
            writer.write(frame.image, frame.pts, frame.time_base)
    with open_reader(output) as reader:
        frames = list(reader)
        assert (reader.info.width, reader.info.height) == (73, 41)
    assert [f.time for f in frames] == pytest.approx([t for t, _ in sources], abs=1e-6)
    assert np.abs(frames[2].image.astype(int) - sources[2][1]).mean() < 2


def test_gray_matte_and_h265(odd_clip, tmp_path):
    output = tmp_path / "matte.mp4"
    with open_reader(odd_clip) as reader, open_writer(output, reader.info, alpha=False, codec="h265") as writer:
        for frame in reader:
            writer.write(np.full((41, 73, 1), 200, np.uint8), frame.pts, frame.time_base)
    with VideoReader(output) as reader:
        assert reader.info.codec == "hevc"
        picture = next(iter(reader)).image
    assert np.abs(picture.astype(int) - 200).max() <= 2


def test_png_sequence_straight_rgba(odd_clip, tmp_path):
    output = tmp_path / "frames/"
    with open_reader(odd_clip) as reader, open_writer(str(output) + "/", reader.info, alpha=True) as writer:
        for frame in reader:
            writer.write(np.dstack([frame.image, np.full((41, 73), frame.index, np.uint8)]), frame.pts,
                         frame.time_base)
    names = sorted(p.name for p in output.iterdir())
    assert names == [f"{i:06d}.png" for i in range(6)]
    image = np.asarray(Image.open(output / "000004.png"))
    assert image.shape == (41, 73, 4) and (image[..., 3] == 4).all()
    assert [p.name for p in tmp_path.iterdir()] == ["frames"]


def test_existing_output_is_refused_and_kept(odd_clip, tmp_path):
    output = tmp_path / "out.mov"
    output.write_bytes(b"precious")
    with open_reader(odd_clip) as reader:
        with pytest.raises(OutputExistsError, match="--overwrite"):
            open_writer(output, reader.info, alpha=True)
    assert output.read_bytes() == b"precious"


def test_unknown_extension_and_bad_codec(odd_clip, tmp_path):
    with open_reader(odd_clip) as reader:
        with pytest.raises(MediaError, match="unknown output format '.xyz'"):
            open_writer(tmp_path / "out.xyz", reader.info, alpha=False)
        with pytest.raises(MediaError, match="cannot go into .webm"):
            open_writer(tmp_path / "out.webm", reader.info, alpha=False, codec="prores")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("failure", [KeyboardInterrupt, RuntimeError])
def test_interrupted_write_leaves_nothing(odd_clip, tmp_path, failure):
    output = tmp_path / "out.mov"
    output.write_bytes(b"old")
    with pytest.raises(failure):
        with open_reader(odd_clip) as reader, open_writer(output, reader.info, alpha=True, overwrite=True) as w:
            for frame in reader:
                w.write(frame.image, frame.pts, frame.time_base)
                raise failure()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.mov"]
    assert output.read_bytes() == b"old"


def test_disk_full_is_a_media_error(odd_clip, tmp_path, monkeypatch):
    def full(self, picture):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(VideoWriter, "_frame", full)
    output = tmp_path / "out.mkv"
    with pytest.raises(MediaError, match="disk full"):
        with open_reader(odd_clip) as reader, open_writer(output, reader.info, alpha=True) as writer:
            for frame in reader:
                writer.write(frame.image, frame.pts, frame.time_base)
    assert list(tmp_path.iterdir()) == []


def test_overwrite_replaces_only_image_folders(odd_clip, tmp_path):
    folder = tmp_path / "seq"
    folder.mkdir()
    (folder / "000000.png").write_bytes(b"x")
    (folder / "keep.txt").write_text("mine")
    with pytest.raises(MediaError, match="other files"):
        with open_reader(odd_clip) as reader, open_writer(f"{folder}/", reader.info, alpha=True,
                                                          overwrite=True) as writer:
            writer.write(np.zeros((41, 73, 4), np.uint8), 0, Fraction(1))
    assert (folder / "keep.txt").read_text() == "mine"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["seq"]


def test_vfr_timestamps_copied_to_mov(clip_dir, tmp_path):
    source = clip_dir / "vfr_w.mp4"
    stamps = make_clip(source, frames=7, vfr=True)
    output = tmp_path / "vfr.mov"
    _rgba_copy(source, output)
    with open_reader(output) as reader:
        times = [f.time for f in reader]
    assert times == pytest.approx([s / 90000 for s in stamps], abs=1e-6)
