"""``--engine ray`` on a local Ray instance (2 CPUs) against the local engine, on real footage.

Two short clips cut from the shared footage (a person, scaled to 144x256, one with an AAC track) are
converted by both engines with the official weights into every output kind (the Ray engine's joined by
packet copy); segments of 0.75 s make seams at a few frames. Each test starts Ray work: all are slow.
"""
from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

ray = pytest.importorskip("ray", reason="the ray engine needs the 'cluster' extra (ray)")
pytestmark = pytest.mark.slow  # a real local Ray instance

from videomatte.cli.main import main  # noqa: E402
from videomatte.cluster import FaultHooks, RayEngine  # noqa: E402
from videomatte.cluster.plan import segment_starts  # noqa: E402
from videomatte.errors import BatchError  # noqa: E402
from videomatte.conversion.batch import convert  # noqa: E402
from videomatte.io.readers import VideoReader, open_reader  # noqa: E402
from videomatte.io.seeking import open_seekable  # noqa: E402

SEGMENT_SECONDS = 0.75
# Shorter than the default (64, measured on the full-size clips, docs/cluster.md): with 0.75 s segments the
# default would warm every segment up from frame 0 and so test nothing about warm-up.
WARMUP = 16
# one runtime for both engines: the tuner may choose bf16 in one process and fp32 in another under load,
# and the foreground where alpha is near 0 is free enough to move by 1e-2 between them; the same model
# settings in every test also keep one pool of workers (started once) for them all
PINNED = "onnxruntime"
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


# Every output kind, in two conversions (one main output each): ProRes 4444 RGBA, FFV1 alpha, VP9 foreground,
# an H.264 composite over the blurred input (both clips); VP9 RGBA with alpha, PNG alpha images, a ProRes
# foreground (the clip with sound only, to keep the test short).
OUTPUTS = {"first": dict(output="{name}.mov", alpha="{name}-alpha.mkv", foreground="{name}-fg.webm",
                         composite="{name}.mp4", background="blur"),
           "second": dict(output="{name}.webm", alpha="{name}-alpha/", foreground="{name}-fg.mov")}


def _outputs(folder: Path, which: str) -> dict:
    return {key: value if key == "background" else f"{folder}/{value}" for key, value in OUTPUTS[which].items()}


@pytest.fixture(scope="module")
def local(batch, official_onnx, tmp_path_factory) -> Path:
    """The local engine's outputs of every kind for every clip, and its stats."""
    out = tmp_path_factory.mktemp("local")
    convert(batch, weights=official_onnx, backend=PINNED, progress=False, stats=out / "stats.json",
            **_outputs(out, "first"))
    convert(batch / "talk.mp4", weights=official_onnx, backend=PINNED, progress=False, **_outputs(out, "second"))
    return out


def _frames(path: Path) -> tuple[list[int], np.ndarray]:
    """Timestamps and pictures (float, 0..1; RGBA where the output has alpha) of an output."""
    alpha = path.suffix in (".mov", ".webm") and "-fg" not in path.name
    with (VideoReader(path, alpha=True) if alpha else open_reader(path)) as reader:
        frames = list(reader)
    scale = 65535.0 if frames[0].image.dtype == np.uint16 else 255.0
    return [f.pts for f in frames], np.stack([f.image for f in frames]).astype(np.float32) / scale


def _alpha(path: Path) -> tuple[list[int], np.ndarray]:
    stamps, pictures = _frames(path)
    return stamps, pictures[..., -1] if pictures.shape[-1] == 4 else pictures[..., 0]


def _audio_packets(path: Path) -> list[tuple[int, bytes]]:
    import av

    if path.is_dir():
        return []
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


def _check_same_output(local_path: Path, ray_path: Path) -> None:
    """Frames, timestamps and audio of an output of either engine. Pictures: alpha within the seams' mean
    bound (twice it through VP9's lossy alpha); colour, which moves more at a seam than alpha (the
    foreground is free where alpha is near 0), within 5e-3, and 1e-2 through the lossy codecs, whose
    key frames fall elsewhere (measured here: 1e-3..3e-3 and 2e-3..9e-3)."""
    stamps, expected = _frames(local_path)
    got_stamps, got = _frames(ray_path)
    assert got_stamps == stamps and got.shape == expected.shape, ray_path
    lossy = ray_path.suffix in (".webm", ".mp4")
    difference = np.abs(got - expected).mean(axis=(0, 1, 2))
    assert difference[:3].mean() <= (1e-2 if lossy else 5e-3), (ray_path, difference)
    if len(difference) == 4:
        assert difference[3] <= (2e-3 if lossy else 1e-3), (ray_path, difference)
    assert _audio_packets(ray_path) == _audio_packets(local_path), ray_path


def _ray_flags(which: str, folder: Path) -> list[str]:
    flags = []
    for key, value in _outputs(folder, which).items():
        flags += ["-o" if key == "output" else f"--{key}", value]
    return flags


def test_every_output_kind_through_ray_matches_local(batch, local, official_onnx, ray_local, tmp_path, capsys):
    for which, inputs in (("first", batch), ("second", batch / "talk.mp4")):
        stats = ["--stats", str(tmp_path / "stats.json")] if which == "first" else []
        code = main(["convert", str(inputs), *_ray_flags(which, tmp_path), "--weights", str(official_onnx),
                     "--backend", PINNED, "--engine", "ray", "--workers", "2", "--segment-seconds", str(SEGMENT_SECONDS),
                     "--warmup", str(WARMUP), "--quiet", *stats])
        assert code == 0
    for name in CLIPS:
        for lossless in (f"{name}-alpha.mkv", f"{name}.mov") + ((f"{name}-alpha/",) if name == "talk" else ()):
            _check_alpha(batch / f"{name}.mp4", local / lossless, tmp_path / lossless)  # FFV1, ProRes, PNG
        for which in OUTPUTS if name == "talk" else ["first"]:
            for key, value in _outputs("", which).items():
                if key != "background":
                    path = value.format(name=name).lstrip("/")
                    _check_same_output(local / path, tmp_path / path)
    assert _audio_packets(tmp_path / "talk.mov"), "the clip with sound lost it"
    assert not list(tmp_path.glob(".videomatte-segments-*")), "segment files were left behind"
    _check_stats(tmp_path / "stats.json", local / "stats.json")


def _check_stats(ray_stats: Path, local_stats: Path) -> None:
    """Both engines' phases add up to their wall time; the Ray join decoded and encoded nothing."""
    for path in (ray_stats, local_stats):
        record = json.loads(path.read_text())
        assert record["frames"] == 78
        assert sum(record["phases"].values()) == pytest.approx(record["seconds"], rel=1e-6)
        assert record["busy"]["network"] > 0 and record["busy"]["encode"] > 0
    record = json.loads(ray_stats.read_text())
    assert record["engine"] == "ray" and record["busy"]["join"] > 0
    assert record["phases"]["join"] == pytest.approx(record["join_tail_seconds"])


def test_worker_killed_mid_task_still_yields_the_output(batch, local, official_onnx, ray_local, tmp_path):
    marker = tmp_path / "crash-once"
    marker.touch()
    engine = RayEngine(workers=2, segment_seconds=SEGMENT_SECONDS, warmup=WARMUP,
                       hooks=FaultHooks(crash_marker=str(marker), crash_segment=1))
    [result] = convert(batch / "talk.mp4", alpha=tmp_path / "talk-alpha.mkv", weights=official_onnx,
                       backend=PINNED, progress=False, engine=engine)
    assert not marker.exists(), "the worker never crashed"
    assert result.frames == 48
    _check_alpha(batch / "talk.mp4", local / "talk-alpha.mkv", tmp_path / "talk-alpha.mkv")


def test_rerun_after_a_failed_batch_reuses_finished_segments(batch, local, official_onnx, ray_local, tmp_path,
                                                            capsys):
    """Segment 2 fails (only talk has one): the batch summary is the local engine's, walk is written; the
    rerun mattes only talk's last segment and skips walk."""
    alpha = f"{tmp_path}/{{name}}-alpha.mkv"
    broken = RayEngine(workers=2, segment_seconds=SEGMENT_SECONDS, warmup=WARMUP, hooks=FaultHooks(fail_segment=2))
    with pytest.raises(BatchError, match="1 converted, 1 failed") as failure:
        convert(batch, alpha=alpha, weights=official_onnx, backend=PINNED, progress=False, engine=broken)
    assert [(Path(r.source).name, r.error) for r in failure.value.results] == [
        ("talk.mp4", "segment 2 failed: segment 2 fails on purpose (test hook)"), ("walk.mp4", None)]
    assert "videomatte: " in capsys.readouterr().err
    assert not (tmp_path / "talk-alpha.mkv").exists() and (tmp_path / "walk-alpha.mkv").exists()
    [folder] = tmp_path.glob(".videomatte-segments-talk-*")
    assert sorted(p.name for p in folder.glob("segment-*.json")) == ["segment-00000.json", "segment-00001.json"]
    engine = RayEngine(workers=2, segment_seconds=SEGMENT_SECONDS, warmup=WARMUP)
    convert(batch, alpha=alpha, weights=official_onnx, backend=PINNED, progress=True, engine=engine)
    err = capsys.readouterr().err
    assert "2 of 3 segments finished already, reused" in err and "walk.mp4: finished already, skipping" in err
    _check_alpha(batch / "talk.mp4", local / "talk-alpha.mkv", tmp_path / "talk-alpha.mkv")
    assert not folder.exists()


def test_a_pool_for_other_settings_ends_the_one_before(ray_local):
    """Two conversions of one process with different model settings on a small cluster: the first pool's
    actors would hold both CPUs for good and the second pool's workers would never start (a hang)."""
    from videomatte.cluster.scheduler import WorkerPool
    from videomatte.inference.model_settings import ModelSettings

    engine = RayEngine(workers=2)
    first = WorkerPool.get(ray_local, engine, ModelSettings(backend="onnxruntime"))
    workers = first.take(2)
    second = WorkerPool.get(ray_local, engine, ModelSettings(backend="torch"))
    assert first.workers == [] and second is not first
    for worker in workers:
        with pytest.raises(ray_local.exceptions.RayActorError):
            ray_local.get(worker.run.remote(None, [], None), timeout=60)
    second.close(ray_local)
