"""Raw elementary streams (``.h264``/``.h265``/``.hevc``), MPEG-TS (``.ts``/``.m2ts``/``.mts``) and clips
whose first packets are damaged, all built here with PyAV (issue 24)."""
from __future__ import annotations

import logging
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from media_clips import moving_scene
from videomatte.cli.main import main
from videomatte.io.files import is_video
from videomatte.io.readers import count_frames, open_reader

FRAMES, SIZE = 12, (64, 64)


def _encode(path: Path, muxer: str, codec: str, rate: Fraction = Fraction(30), frames: int = FRAMES) -> None:
    """``frames`` of :func:`moving_scene`, a keyframe every 5, no B-frames."""
    options = ({"g": "5", "keyint_min": "5", "bf": "0"} if codec == "libx264"
               else {"x265-params": "keyint=5:min-keyint=5:bframes=0:log-level=none"})
    with av.open(str(path), "w", format=muxer) as container:
        stream = container.add_stream(codec, rate=rate, options=options)
        stream.width, stream.height, stream.pix_fmt = *SIZE, "yuv420p"
        for index in range(frames):
            frame = av.VideoFrame.from_ndarray(moving_scene(index, *SIZE)[0], format="rgb24")
            frame.pts = index
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))


def _damage_first_packet(source: Path, target: Path) -> None:
    """``source`` with the payload of its first video packet (the first keyframe) overwritten."""
    with av.open(str(source)) as container:
        first = next(p for p in container.demux(video=0) if p.size)
        start, size = first.pos, first.size
    data = bytearray(source.read_bytes())
    noise = np.random.default_rng(0).integers(0, 256, size, np.uint8).tobytes()
    transport = source.suffix == ".ts"  # keep MPEG-TS packet headers (every 188 bytes) and the PES header
    first = {".ts": 40, ".h264": size // 2}.get(source.suffix, 4)  # a raw stream's headers open its packet
    for offset in range(first, size):
        if not transport or offset % 188 >= 4:
            data[start + offset] = noise[offset]
    target.write_bytes(bytes(data))


@pytest.mark.parametrize(("name", "muxer", "codec"), [
    ("camera.h264", "h264", "libx264"), ("camera.h265", "hevc", "libx265"), ("camera.hevc", "hevc", "libx265")])
def test_raw_streams_are_read_with_timestamps_from_their_rate(tmp_path, name, muxer, codec):
    path = tmp_path / name
    _encode(path, muxer, codec, rate=Fraction(30))
    assert is_video(path)
    with open_reader(path) as reader:
        frames = list(reader)
        info = reader.info
    assert len(frames) == FRAMES == count_frames(path) == info.frame_count
    assert info.frame_rate == 30  # the headers' rate, not FFmpeg's assumed 25
    times = [float(f.pts * f.time_base) for f in frames]
    assert times == pytest.approx([i / 30 for i in range(FRAMES)])
    with open_reader(path, frame_rate=Fraction(24000, 1001)) as reader:  # --fps decides where headers may lie
        assert float(list(reader)[-1].pts * reader.info.time_base) == pytest.approx((FRAMES - 1) * 1001 / 24000)


@pytest.mark.parametrize("suffix", [".ts", ".m2ts", ".mts"])
def test_mpeg_ts_keeps_its_timestamps(tmp_path, suffix):
    path = tmp_path / f"broadcast{suffix}"
    _encode(path, "mpegts", "libx264", rate=Fraction(25))
    with open_reader(path) as reader:
        frames = list(reader)
    steps = np.diff([float(f.pts * f.time_base) for f in frames])
    assert len(frames) == FRAMES and steps == pytest.approx(np.full(FRAMES - 1, 0.04))


@pytest.mark.parametrize(("name", "muxer"), [("damaged.mp4", "mp4"), ("damaged.ts", "mpegts"),
                                             ("damaged.h264", "h264")])
def test_damaged_leading_packets_are_skipped_with_one_line(tmp_path, caplog, name, muxer):
    clean = tmp_path / f"clean{Path(name).suffix}"
    _encode(clean, muxer, "libx264", frames=20)
    _damage_first_packet(clean, tmp_path / name)
    with caplog.at_level(logging.WARNING, logger="videomatte"), open_reader(tmp_path / name) as reader:
        frames = list(reader)
    assert 10 <= len(frames) < 20  # the first group of pictures is lost, the rest decodes
    lost = 20 - len(frames)  # by timestamps; a raw stream has none, so the count is of its parsed pictures
    if muxer == "h264":
        with av.open(str(tmp_path / name)) as container:
            lost = sum(1 for p in container.demux(video=0) if p.size) - len(frames)
    lines = [r.getMessage() for r in caplog.records if "did not decode" in r.getMessage()]
    assert len(lines) == 1 and f": {lost} damaged frames at the start did not decode" in lines[0], lines


def test_a_clean_interlaced_broadcast_stream_reports_no_loss(tmp_path, caplog):
    """Two fields a frame in separate packets must not read as lost frames."""
    path = tmp_path / "camcorder.mts"
    with av.open(str(path), "w", format="mpegts") as container:
        stream = container.add_stream("libx264", rate=Fraction(25), options={"flags": "+ildct+ilme", "x264-params": "pic-struct=1:fake-interlaced=0"})
        stream.width, stream.height, stream.pix_fmt = *SIZE, "yuv420p"
        for index in range(FRAMES):
            frame = av.VideoFrame.from_ndarray(moving_scene(index, *SIZE)[0], format="rgb24")
            frame.pts = index
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    with caplog.at_level(logging.WARNING, logger="videomatte"), open_reader(path) as reader:
        assert len(list(reader)) == FRAMES
    assert not [r for r in caplog.records if "did not decode" in r.getMessage()]


def test_a_raw_stream_converts_end_to_end(tmp_path, capsys):
    source = tmp_path / "camera.h264"
    _encode(source, "h264", "libx264", rate=Fraction(30), frames=4)
    before = source.read_bytes()
    code = main(["convert", str(source), "-o", str(tmp_path / "out.mov"), "--weights", "none", "--backend", "torch",
                 "--quiet"])
    assert code == 0, capsys.readouterr().err
    with av.open(str(tmp_path / "out.mov")) as container:
        times = [float(f.time) for f in container.decode(video=0)]
    assert times == pytest.approx([0, 1 / 30, 2 / 30, 3 / 30], abs=1e-3)
    assert source.read_bytes() == before
