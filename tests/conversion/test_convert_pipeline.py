import errno

import numpy as np
import pytest
import torch
from PIL import Image

from media_clips import make_clip, stream_seconds
from videomatte.errors import MediaError, OutputExistsError, VideoMatteError
from videomatte.compositing import parse_color
from videomatte.conversion.batch import convert
from videomatte.conversion.results import expand_inputs
from videomatte.inference.openvino_runner import openvino_available
from videomatte.inference.session import MattingSession
from videomatte.io.readers import VideoReader, open_reader
from videomatte.io.writers import VideoWriter

RATIO = 1.0  # the clips are under 128 pixels high: a conversion refuses a network input under 64


def reference(source, weights):
    """Frames, alpha and foreground the session gives for ``source``, one frame at a time, fed float frames
    (the pipeline hands the uint8 pictures to a runtime that converts them inside its graph: a bf16
    runtime's mattes from them differ from those from float frames by its rounding, mean |Δα| about 2e-4,
    within its budget, not bit-equal; onnxruntime converts them as ``to_input`` does)."""
    session = MattingSession("mobilenetv3", weights, device="cpu", downsample_ratio=RATIO)
    with open_reader(source) as reader:
        frames = list(reader)
    mattes = [session.step(session.to_input(f.image)) for f in frames]
    pha = torch.cat([m.pha for m in mattes]).numpy()[:, 0]
    fgr = torch.cat([m.fgr for m in mattes]).permute(0, 2, 3, 1).numpy()
    return frames, pha, fgr


@pytest.mark.slow
def test_every_output_matches_the_model(ntsc_clip, random_weights, tmp_path):
    frames, pha, fgr = reference(ntsc_clip, random_weights)
    assert pha.std() > 1e-3  # a matte with structure, so the comparisons below can fail
    out = tmp_path
    results = convert(ntsc_clip, output=out / "rgba.mov", alpha=out / "alpha/", composite=out / "comp/",
                      background="#2040C0", weights=random_weights, downsample_ratio=RATIO, device="cpu",
                      progress=False)
    assert results[0].frames == len(frames) and results[0].backend.startswith("auto (96x64 @")  # the tuned runtime
    assert sorted(p.name for p in out.iterdir()) == ["alpha", "comp", "rgba.mov"]

    with VideoReader(out / "rgba.mov", alpha=True) as reader:
        decoded = list(reader)
    assert [f.time for f in decoded] == pytest.approx([f.time for f in frames], abs=1e-6)
    for got, want in zip(decoded, pha):
        assert np.abs(got.image[..., 3] / 65535 - want).max() <= 1.5 / 1023  # 10-bit alpha
    assert np.abs(decoded[4].image[..., :3] / 65535 - fgr[4]).mean() < 2 / 255
    assert stream_seconds(out / "rgba.mov", "audio") == pytest.approx(stream_seconds(ntsc_clip, "audio"), abs=0.03)

    alphas = sorted((out / "alpha").iterdir())
    assert len(alphas) == len(frames)
    assert np.abs(np.asarray(Image.open(alphas[3])) / 255 - pha[3]).max() <= 0.5 / 255 + 1e-4

    bgr = np.array(parse_color("#2040C0"))
    expected = fgr * pha[..., None] + bgr * (1 - pha[..., None])
    for index, path in enumerate(sorted((out / "comp").iterdir())):
        assert np.abs(np.asarray(Image.open(path)) / 255 - expected[index]).max() <= 0.5 / 255 + 1e-4


@pytest.mark.slow
def test_webm_and_mp4_outputs(ntsc_clip, random_weights, tmp_path):
    frames, pha, _ = reference(ntsc_clip, random_weights)
    convert(ntsc_clip, output=tmp_path / "o.webm", composite=tmp_path / "c.mp4", crf=10,
            weights=random_weights, downsample_ratio=RATIO, device="cpu", progress=False)
    with VideoReader(tmp_path / "o.webm", alpha=True) as reader:
        decoded = list(reader)
    assert len(decoded) == len(frames)
    assert [f.time for f in decoded] == pytest.approx([f.time for f in frames], abs=6e-4)
    errors = [np.abs(f.image[..., 3] / 255 - p) for f, p in zip(decoded, pha)]
    assert max(e.mean() for e in errors) < 3 / 255
    with open_reader(tmp_path / "c.mp4") as reader:
        assert reader.info.has_audio and len(list(reader)) == len(frames)


def test_premultiplied_png_and_odd_size(odd_clip, random_weights, tmp_path):
    _, pha, fgr = reference(odd_clip, random_weights)
    convert(odd_clip, output=f"{tmp_path}/png/", premultiplied=True, weights=random_weights,
            downsample_ratio=RATIO, device="cpu", progress=False, seq_chunk=4)
    image = np.asarray(Image.open(tmp_path / "png" / "000005.png")) / 255
    assert image.shape == (41, 73, 4)
    assert np.abs(image[..., :3] - fgr[5] * pha[5][..., None]).max() <= 1 / 255


def test_batch_over_folder_skips_finished(clip_dir, random_weights, tmp_path):
    folder = tmp_path / "videos"
    folder.mkdir()
    make_clip(folder / "a.mp4", frames=3)
    make_clip(folder / "b.mov", frames=2)
    assert [p.rsplit("/", 1)[1] for p in expand_inputs(folder)] == ["a.mp4", "b.mov"]
    with pytest.raises(VideoMatteError, match="name"):
        convert(folder, output=tmp_path / "out.mov", weights=random_weights, device="cpu", progress=False)
    template = str(tmp_path / "out" / "{name}_alpha.mp4")
    first = convert(folder, alpha=template, weights=random_weights, device="cpu", progress=False)
    assert [r.frames for r in first] == [3, 2]
    (tmp_path / "out" / "b_alpha.mp4").unlink()
    second = convert(folder, alpha=template, weights=random_weights, device="cpu", progress=False)
    assert [r.skipped for r in second] == [True, False]


def test_existing_output_and_output_over_input(odd_clip, random_weights, tmp_path):
    existing = tmp_path / "x.mov"
    existing.write_bytes(b"keep")
    with pytest.raises(OutputExistsError):
        convert(odd_clip, output=existing, weights=random_weights, device="cpu", progress=False)
    assert existing.read_bytes() == b"keep"
    with pytest.raises(MediaError, match="overwrite the input"):
        convert(odd_clip, composite=odd_clip, overwrite=True, weights=random_weights, device="cpu",
                progress=False)
    with pytest.raises(VideoMatteError, match="nothing to write"):
        convert(odd_clip, weights=random_weights, device="cpu")


@pytest.mark.parametrize("failure", [KeyboardInterrupt, RuntimeError])
def test_failure_in_inference_leaves_no_output(odd_clip, random_weights, tmp_path, monkeypatch, failure):
    calls = []

    def step(self, frames):
        calls.append(1)
        if len(calls) == 3:
            raise failure("stop")
        return original(self, frames)

    original = MattingSession.step
    monkeypatch.setattr(MattingSession, "step", step)
    with pytest.raises(failure):
        convert(odd_clip, output=tmp_path / "o.mov", alpha=tmp_path / "a/", weights=random_weights,
                device="cpu", progress=False)
    assert list(tmp_path.iterdir()) == []


def test_failure_in_encoder_thread_is_raised(odd_clip, random_weights, tmp_path, monkeypatch):
    def full(self, picture):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(VideoWriter, "_frame", full)
    with pytest.raises(MediaError, match="disk full"):
        convert(odd_clip, output=tmp_path / "o.mkv", alpha=tmp_path / "a/", weights=random_weights,
                device="cpu", progress=False)
    assert list(tmp_path.iterdir()) == []


def test_onnx_backend_matches_torch(clip_dir, official_onnx, tmp_path):
    onnx = official_onnx
    source = clip_dir / "small.mp4"
    make_clip(source, frames=3)  # 96x64, as the web tests' clips: one exported graph for both
    common = dict(weights=onnx, downsample_ratio=RATIO, device="cpu", progress=False)
    results = convert(source, alpha=f"{tmp_path}/ort/", backend="onnxruntime", **common)
    assert results[0].backend == "onnxruntime"
    convert(source, alpha=f"{tmp_path}/torch/", backend="torch", **common)
    for a, b in zip(sorted((tmp_path / "ort").iterdir()), sorted((tmp_path / "torch").iterdir())):
        diff = np.abs(np.asarray(Image.open(a)).astype(int) - np.asarray(Image.open(b)))
        assert diff.max() <= 1


@pytest.mark.slow
@pytest.mark.skipif(not openvino_available(), reason="the openvino extra is not installed")
def test_a_runtime_that_takes_pictures_gets_them_and_a_blur_still_reads_the_frames(ntsc_clip, random_weights, tmp_path,
                                                                                 monkeypatch, shared_graphs):
    from videomatte.inference import tuning
    from videomatte.inference.tuning import Candidate

    monkeypatch.setenv("VIDEOMATTE_CACHE", str(tmp_path / "cache"))  # a tuning of its own, one candidate
    monkeypatch.setattr(tuning, "candidates", lambda threads=0: [Candidate("openvino", "fp32", 1)])
    handed = []
    begin = MattingSession.begin
    monkeypatch.setattr(MattingSession, "begin",
                        lambda self, frames: handed.append(type(frames)) or begin(self, frames))
    common = dict(weights=random_weights, downsample_ratio=RATIO, device="cpu", progress=False, background="blur")
    convert(ntsc_clip, alpha=tmp_path / "ov/", composite=tmp_path / "ov.mkv", **common)
    assert handed and set(handed) == {np.ndarray}  # the decoded uint8 pictures, converted inside OpenVINO
    convert(ntsc_clip, alpha=tmp_path / "ort/", composite=tmp_path / "ort.mkv", backend="onnxruntime", **common)
    for a, b in zip(sorted((tmp_path / "ov").iterdir()), sorted((tmp_path / "ort").iterdir()), strict=True):
        assert np.abs(np.asarray(Image.open(a)).astype(int) - np.asarray(Image.open(b))).max() <= 1
    with VideoReader(tmp_path / "ov.mkv") as ours, VideoReader(tmp_path / "ort.mkv") as theirs:
        pairs = list(zip(ours, theirs, strict=True))
    assert max(np.abs(a.image.astype(int) - b.image).max() for a, b in pairs) <= 1  # the same blurred input behind
