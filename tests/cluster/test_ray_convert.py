"""``--engine ray`` on a local Ray instance (2 CPUs) against the local engine, on real footage.

Two short clips cut from the shared footage (a person, scaled to 144x256, one with an AAC track) are
converted by both engines with the official weights; segments of 0.75 s make seams at a few frames.
"""
from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

ray = pytest.importorskip("ray", reason="the ray engine needs the 'cluster' extra (ray)")
pytestmark = pytest.mark.slow  # a real local Ray instance

from videomatte.cli.main import main  # noqa: E402
from videomatte.cluster import FaultHooks, RayEngine  # noqa: E402
from videomatte.cluster.plan import segment_starts  # noqa: E402
from videomatte.errors import VideoMatteError  # noqa: E402
from videomatte.conversion.batch import convert  # noqa: E402
from videomatte.io.readers import open_reader  # noqa: E402
from videomatte.io.seeking import open_seekable  # noqa: E402

SEGMENT_SECONDS = 0.75
# Shorter than the default (64, measured on the full-size clips, docs/cluster.md): with 0.75 s segments the
# default would warm every segment up from frame 0 and so test nothing about warm-up.
WARMUP = 16
CLIPS = {"talk": ("person_short_360x640.mp4", 48, 24, True), "walk": ("person_walk_360x640.mp4", 30, 30, False)}


def _encode(path: Path, pictures: list[np.ndarray], rate: int, audio: bool) -> None:
    """H.264 with a key frame every 12 frames (so seeks land inside GOPs), and a 440 Hz AAC track."""
    import av

    with av.open(str(path), "w") as container:
        video = container.add_stream("libx264", rate=rate, options={"preset": "veryfast", "g": "12", "crf": "16"})
        video.width, video.height, video.pix_fmt = pictures[0].shape[1], pictures[0].shape[0], "yuv420p"
        sound = container.add_stream("aac", rate=44100) if audio else None
        for index, picture in enumerate(pictures):
            frame = av.VideoFrame.from_ndarray(picture, format="rgb24").reformat(format="yuv420p")
            frame.pts, frame.time_base = index, Fraction(1, rate)
            container.mux(video.encode(frame))
        container.mux(video.encode(None))
        if sound is not None:
            seconds = len(pictures) / rate
            t = np.arange(int(seconds * 44100)) / 44100
            tone = (0.2 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)[None]
            for start in range(0, tone.shape[1], 1024):
                chunk = av.AudioFrame.from_ndarray(np.ascontiguousarray(tone[:, start:start + 1024]), format="fltp",
                                                   layout="mono")
                chunk.sample_rate, chunk.pts = 44100, start
                container.mux(sound.encode(chunk))
            container.mux(sound.encode(None))


@pytest.fixture(scope="module")
def batch(shared_data, tmp_path_factory) -> Path:
    """A folder of two real clips, 144x256."""
    from PIL import Image

    folder = tmp_path_factory.mktemp("ray-batch") / "clips"
    folder.mkdir()
    for name, (clip, frames, rate, audio) in CLIPS.items():
        with open_reader(shared_data / "clips" / clip) as reader:
            pictures = [np.asarray(Image.fromarray(f.image).resize((144, 256), Image.BILINEAR))
                        for f, _ in zip(reader, range(frames))]
        _encode(folder / f"{name}.mp4", pictures, rate, audio)
    return folder


@pytest.fixture(scope="module")
def ray_local():
    ray.init(address="local", num_cpus=2, include_dashboard=False, log_to_driver=False)  # never a running cluster
    yield ray
    ray.shutdown()


@pytest.fixture(scope="module")
def local(batch, official_onnx, tmp_path_factory) -> Path:
    """The local engine's alpha and composite of every clip."""
    out = tmp_path_factory.mktemp("local")
    convert(batch, alpha=f"{out}/{{name}}.mkv", composite=f"{out}/{{name}}.mp4", background="blur",
            weights=official_onnx, progress=False)
    return out


def _alpha(path: Path) -> tuple[list[int], np.ndarray]:
    with open_reader(path) as reader:
        frames = list(reader)
    return [f.pts for f in frames], np.stack([f.image[..., 0] for f in frames]).astype(np.float32) / 255


def _audio_packets(path: Path) -> list[tuple[int, bytes]]:
    import av

    with av.open(str(path)) as container:
        if not container.streams.audio:
            return []
        return [(p.pts, bytes(p)) for p in container.demux(container.streams.audio[0]) if p.size]


def _check_alpha(source: Path, local_path: Path, ray_path: Path) -> None:
    """Same timestamps; mean |Δα| <= 1e-3 over every frame and <= 5e-3 on each frame after a seam."""
    stamps, expected = _alpha(local_path)
    got_stamps, got = _alpha(ray_path)
    assert got_stamps == stamps
    with open_seekable(source) as video:
        seams = segment_starts(video.timestamps(), video.info.time_base, SEGMENT_SECONDS)[1:]
    assert seams, "the test needs at least one seam"
    per_frame = np.abs(got - expected).mean(axis=(1, 2))
    assert per_frame.mean() <= 1e-3, per_frame
    assert per_frame[seams].max() <= 5e-3, (seams, per_frame[seams])


def test_folder_through_ray_matches_local(batch, local, official_onnx, ray_local, tmp_path, capsys):
    code = main(["convert", str(batch), "--alpha", f"{tmp_path}/{{name}}.mkv", "--composite",
                 f"{tmp_path}/{{name}}.mp4", "--background", "blur", "--weights", str(official_onnx),
                 "--engine", "ray", "--workers", "2", "--segment-seconds", str(SEGMENT_SECONDS),
                 "--warmup", str(WARMUP)])
    assert code == 0
    assert "talk.mp4: 48 frames" in capsys.readouterr().out
    for name in CLIPS:
        _check_alpha(batch / f"{name}.mp4", local / f"{name}.mkv", tmp_path / f"{name}.mkv")
        for kind in ("mkv", "mp4"):
            assert _audio_packets(tmp_path / f"{name}.{kind}") == _audio_packets(local / f"{name}.{kind}")
        assert _alpha(tmp_path / f"{name}.mp4")[0] == _alpha(local / f"{name}.mp4")[0]
    assert _audio_packets(tmp_path / "talk.mkv"), "the clip with sound lost it"
    assert not list(tmp_path.glob(".videomatte-segments-*")), "segment files were left behind"


def test_worker_killed_mid_task_still_yields_the_output(batch, local, official_onnx, ray_local, tmp_path):
    marker = tmp_path / "crash-once"
    marker.touch()
    engine = RayEngine(workers=2, segment_seconds=SEGMENT_SECONDS, warmup=WARMUP,
                       hooks=FaultHooks(crash_marker=str(marker), crash_segment=1))
    [result] = convert(batch / "talk.mp4", alpha=tmp_path / "talk.mkv", weights=official_onnx,
                       progress=False, engine=engine)
    assert not marker.exists(), "the worker never crashed"
    assert result.frames == 48
    _check_alpha(batch / "talk.mp4", local / "talk.mkv", tmp_path / "talk.mkv")


def test_rerun_after_interruption_reuses_finished_segments(batch, local, official_onnx, ray_local, tmp_path,
                                                          capsys):
    output = tmp_path / "talk.mkv"
    broken = RayEngine(workers=2, segment_seconds=SEGMENT_SECONDS, warmup=WARMUP, hooks=FaultHooks(fail_segment=2))
    with pytest.raises(VideoMatteError, match="segment 2 failed: segment 2 fails on purpose"):
        convert(batch / "talk.mp4", alpha=output, weights=official_onnx, progress=False, engine=broken)
    assert not output.exists()
    [folder] = tmp_path.glob(".videomatte-segments-talk-*")
    assert sorted(p.name for p in folder.glob("segment-*.json")) == ["segment-00000.json", "segment-00001.json"]
    engine = RayEngine(workers=2, segment_seconds=SEGMENT_SECONDS, warmup=WARMUP)
    convert(batch / "talk.mp4", alpha=output, weights=official_onnx, progress=True, engine=engine)
    assert "2 of 3 segments finished already, reused" in capsys.readouterr().err
    _check_alpha(batch / "talk.mp4", local / "talk.mkv", output)
    assert not folder.exists()
