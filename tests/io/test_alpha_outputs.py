"""Every alpha output decodes to the matte that was written: exact for ProRes 4444's 10-bit alpha and
FFV1, within VP9's loss; compared pixel by pixel with the lossless PNG sequence of the same pictures.

The pictures are 360x640 (portrait, as ``person_short_360x640.mp4``), where swscale's sliced
conversion to ``yuva444p10le`` used to put alpha 512/1023 into columns 0-7 of rows 214 and 428.
"""
from __future__ import annotations

from fractions import Fraction

import av
import numpy as np
import pytest

from media_clips import decoded_alpha
from videomatte.io.alpha_plane import alpha_samples, put_alpha_plane
from videomatte.io.readers import VideoInfo, open_reader
from videomatte.io.writers import open_writer

WIDTH, HEIGHT, FRAMES = 360, 640, 3


def _pictures() -> list[np.ndarray]:
    """RGBA ``uint16`` pictures whose alpha holds 8-bit values (``a8 * 257``): 0 on the left eighth,
    where the fault was, and every level 0..255 elsewhere, shifted per frame."""
    rng = np.random.default_rng(7)
    pictures = []
    for index in range(FRAMES):
        alpha8 = ((np.arange(HEIGHT * WIDTH).reshape(HEIGHT, WIDTH) + 37 * index) % 256).astype(np.uint16)
        alpha8[:, :45] = 0
        alpha8[200:230, 100:200] = 255
        rgb = rng.integers(0, 65536, (HEIGHT, WIDTH, 3), dtype=np.uint16)
        pictures.append(np.dstack([rgb, alpha8 * 257]))
    return pictures


@pytest.fixture(scope="module")
def info(clip_dir) -> VideoInfo:
    from media_clips import make_clip

    source = clip_dir / "portrait_360x640.mp4"
    if not source.exists():
        make_clip(source, frames=1, width=WIDTH, height=HEIGHT)
    with open_reader(source) as reader:
        return reader.info


def _write(path, info: VideoInfo, pictures: list[np.ndarray], crf: int | None = None) -> None:
    with open_writer(path, info, alpha=True, crf=crf, audio=False) as writer:
        for index, picture in enumerate(pictures):
            writer.write(picture if writer.deep else (picture >> 8).astype(np.uint8), index, Fraction(1, 24))


def test_prores_alpha_is_exact_and_matches_the_png_sequence(tmp_path, info):
    pictures = _pictures()
    _write(tmp_path / "out.mov", info, pictures)
    _write(f"{tmp_path / 'png'}/", info, pictures)
    with av.open(str(tmp_path / "out.mov")) as container:
        planes = [frame.reformat(format="yuva444p10le") for frame in container.decode(video=0)]
    assert len(planes) == FRAMES
    for frame, picture in zip(planes, pictures):
        plane = frame.planes[3]
        stored = np.frombuffer(plane, "<u2").reshape(HEIGHT, -1)[:, :WIDTH]
        assert np.array_equal(stored, alpha_samples(picture[..., 3], 10))
    png = sorted((tmp_path / "png").iterdir())
    from PIL import Image

    lossless = [np.asarray(Image.open(p))[..., 3].astype(np.int64) for p in png]
    for got, want in zip(decoded_alpha(tmp_path / "out.mov"), lossless, strict=True):
        assert np.array_equal(got, want), f"{np.count_nonzero(got != want)} alpha pixels differ"


def test_ffv1_exact_and_vp9_within_its_loss(tmp_path, info):
    pictures = _pictures()
    want = [(p[..., 3] >> 8).astype(np.int64) for p in pictures]
    _write(tmp_path / "out.mkv", info, pictures)
    _write(tmp_path / "out.webm", info, pictures, crf=4)
    for got, expected in zip(decoded_alpha(tmp_path / "out.mkv"), want, strict=True):
        assert np.array_equal(got, expected)
    for got, expected in zip(decoded_alpha(tmp_path / "out.webm"), want, strict=True):
        error = np.abs(got - expected)
        assert error[:, :40].max() <= 1 and error.max() <= 12 and error.mean() < 1.5, (error.max(), error.mean())


@pytest.mark.parametrize("threads", [None, 1, 2, 3, 4, 8])
@pytest.mark.parametrize("dtype", [np.uint8, np.uint16])
def test_put_alpha_plane_overrides_the_sliced_conversion(threads, dtype):
    full = np.iinfo(dtype).max
    alpha = np.zeros((HEIGHT, WIDTH), dtype)
    alpha[:, 200:] = full
    alpha[300, 7] = full // 2 + 1
    picture = np.dstack([np.full((HEIGHT, WIDTH, 3), full // 3, dtype), alpha])
    frame = av.VideoFrame.from_ndarray(picture, format="rgba64le" if dtype == np.uint16 else "rgba")
    options = {} if threads is None else {"threads": threads}
    converted = frame.reformat(format="yuva444p10le", dst_colorspace=6, dst_color_range=1, **options)
    put_alpha_plane(converted, alpha, 10)
    stored = np.frombuffer(converted.planes[3], "<u2").reshape(HEIGHT, -1)[:, :WIDTH]
    assert np.array_equal(stored, alpha_samples(alpha, 10))
    assert np.count_nonzero(stored[:, :200]) == 1 and stored[300, 7] in (512, 514)  # 32768/65535, 128/255
    assert (stored[:, 200:] == 1023).all()
