"""Shot cuts in the local pipeline: the frames after a cut equal the shot converted on its own."""
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from media_clips import moving_scene
from videomatte.conversion.batch import convert
from videomatte.inference.session import MattingSession
from videomatte.io.readers import VideoReader

FIRST = 8  # frames of the first shot


def _shot_a(index: int) -> np.ndarray:
    return moving_scene(index, 96, 64)[0]


def _shot_b(index: int) -> np.ndarray:
    """Another scene: the disc moves the other way over the gradient in other colours."""
    return np.ascontiguousarray(moving_scene(index + 3, 96, 64)[0][:, ::-1, ::-1])


def _folder(path: Path, pictures: list[np.ndarray]) -> Path:
    path.mkdir()
    for index, picture in enumerate(pictures):
        Image.fromarray(picture).save(path / f"{index:04d}.png")
    return path


@pytest.fixture(scope="module")
def shots(tmp_path_factory):
    """PNG folders (lossless, so both conversions read the same pixels): the two-shot clip, the second shot."""
    root = tmp_path_factory.mktemp("shots")
    second = [_shot_b(k) for k in range(7)]
    both = _folder(root / "two", [_shot_a(k) for k in range(FIRST)] + second)
    return both, _folder(root / "second", second)


@pytest.fixture(autouse=True)
def _one_thread(one_torch_thread):  # noqa: ANN001
    """Every test here on one torch thread (``one_torch_thread``)."""


def _alpha(path: Path) -> list[np.ndarray]:
    with VideoReader(path, alpha=True) as reader:
        return [frame.image[..., 3].copy() for frame in reader]


def _convert(source, target, weights, **options):
    settings = dict(weights=weights, device="cpu", downsample_ratio=1.0, progress=False)
    return convert(source, output=target, **{**settings, **options})[0]


@pytest.mark.parametrize("backend, seq_chunk", [("torch", 1), ("torch", 3),
                                                pytest.param("onnxruntime", 1, marks=pytest.mark.slow)])
def test_frames_after_a_cut_equal_the_shot_alone(shots, random_weights, tmp_path, backend, seq_chunk):
    both, second = shots
    result = _convert(both, tmp_path / "two.mkv", random_weights, backend=backend, seq_chunk=seq_chunk)
    assert result.cuts == [FIRST] and result.backend == backend
    _convert(second, tmp_path / "alone.mkv", random_weights, backend=backend, seq_chunk=seq_chunk)
    inside, alone = _alpha(tmp_path / "two.mkv")[FIRST:], _alpha(tmp_path / "alone.mkv")
    assert len(inside) == len(alone) == 7 and alone[0].std() > 2  # a matte with structure
    for got, want in zip(inside, alone):
        np.testing.assert_array_equal(got, want)  # FFV1: the 8-bit alpha, exact
    carried = _convert(both, tmp_path / "off.mkv", random_weights, backend=backend, seq_chunk=seq_chunk, cuts="off")
    assert carried.cuts == []
    assert np.abs(_alpha(tmp_path / "off.mkv")[FIRST].astype(int) - alone[0]).max() > 2  # the old shot leaks


def test_a_listed_cut_restarts_the_state_where_no_cut_is_seen(shots, random_weights, tmp_path):
    both, _ = shots
    result = _convert(both, tmp_path / "listed.mkv", random_weights, backend="torch", cuts=[3])
    assert result.cuts == [3]  # the list replaces the detector: the real cut at 8 is not taken
    session = MattingSession("mobilenetv3", random_weights, device="cpu", backend="torch", downsample_ratio=1.0)
    pictures = [np.asarray(Image.open(p)) for p in sorted(both.iterdir())]
    want = [session.step(p).pha for p in pictures[3:6]]
    for got, alpha in zip(_alpha(tmp_path / "listed.mkv")[3:6], want):
        np.testing.assert_array_equal(got, (alpha[0, 0] * 255).round().clamp(0, 255).to(torch.uint8).numpy())


def test_session_cut_equals_a_fresh_session_to_the_bit(random_weights):
    first = [_shot_a(k) for k in range(4)]
    second = [_shot_b(k) for k in range(3)]
    session = MattingSession("mobilenetv3", random_weights, device="cpu", backend="torch", downsample_ratio=0.5)
    for picture in first:
        session.step(picture)
    session.cut()
    fresh = MattingSession("mobilenetv3", random_weights, device="cpu", backend="torch", downsample_ratio=0.5)
    for picture in second:
        after, alone = session.step(picture), fresh.step(picture)
        assert torch.equal(after.pha, alone.pha) and torch.equal(after.fgr, alone.fgr)
