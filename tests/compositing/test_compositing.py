import numpy as np
import pytest
import torch
from PIL import Image

from media_clips import make_clip
from videomatte.errors import MediaError
from videomatte.compositing import (
    BlurBackground,
    ColorBackground,
    ImageBackground,
    VideoBackground,
    composite,
    composite_pictures,
    cover,
    parse_background,
    parse_color,
    rgba,
)


def test_composite_and_rgba_formulas():
    torch.manual_seed(0)
    fgr, pha, bgr = torch.rand(2, 3, 4, 5), torch.rand(2, 1, 4, 5), torch.rand(2, 3, 4, 5)
    assert torch.allclose(composite(fgr, pha, bgr), fgr * pha + bgr * (1 - pha), atol=1e-6)
    straight = rgba(fgr, pha)
    assert straight.shape == (2, 4, 4, 5) and torch.equal(straight[:, :3], fgr)
    assert torch.allclose(rgba(fgr, pha, premultiplied=True)[:, :3], fgr * pha)


@pytest.mark.parametrize("bits", [8, 16])
@pytest.mark.parametrize("background", ["colour", "image"])
def test_composite_pictures_are_the_rounded_composite_in_channel_last_order(bits, background):
    torch.manual_seed(1)
    fgr, pha = torch.rand(2, 3, 6, 7), torch.rand(2, 1, 6, 7)
    bgr = torch.rand(1, 3, 1, 1) if background == "colour" else torch.rand(2, 3, 6, 7)
    pictures = composite_pictures(fgr, pha, bgr, bits)
    assert pictures.shape == (2, 6, 7, 3) and pictures.flags["C_CONTIGUOUS"]
    assert pictures.dtype == (np.uint8 if bits == 8 else np.uint16)
    exact = (fgr * pha + bgr * (1 - pha)).permute(0, 2, 3, 1).numpy() * (2 ** bits - 1)
    assert np.abs(pictures - exact).max() <= 0.5 + 1e-3


def test_colors():
    assert parse_color("#FF8000") == (1.0, 128 / 255, 0.0)
    assert parse_color("green") == (0.0, 177 / 255, 64 / 255)
    assert parse_color("nope") is None
    src = torch.zeros(1, 3, 2, 2)
    assert parse_background("white").frames(src, 0).flatten().tolist() == [1.0, 1.0, 1.0]


def test_cover_keeps_aspect_and_fills():
    image = torch.zeros(1, 3, 10, 40)
    image[..., 15:25] = 1  # a stripe in the middle
    out = cover(image, 20, 20)
    assert out.shape == (1, 3, 20, 20)
    assert out[0, 0, 10, 10] == pytest.approx(1.0)  # the centre survives the crop


def test_image_background_is_resized_to_cover(tmp_path):
    Image.new("RGB", (30, 10), (255, 0, 0)).save(tmp_path / "bg.png")
    background = parse_background(str(tmp_path / "bg.png"))
    assert isinstance(background, ImageBackground)
    frames = background.frames(torch.zeros(2, 3, 16, 8), 0)
    assert frames.shape == (1, 3, 16, 8)
    assert torch.allclose(frames[0, :, 5, 5], torch.tensor([1.0, 0.0, 0.0]), atol=1e-3)


def test_video_background_loops(tmp_path):
    path = tmp_path / "bg.mp4"
    make_clip(path, frames=3, width=32, height=16)
    background = parse_background(str(path))
    assert isinstance(background, VideoBackground)
    first = background.frames(torch.zeros(2, 3, 8, 16), 0)
    later = background.frames(torch.zeros(2, 3, 8, 16), 2)  # frames 2 and 0 again
    background.close()
    assert first.shape == (2, 3, 8, 16)
    assert torch.allclose(later[1], first[0], atol=1e-6)


def test_video_background_starts_where_a_segment_starts(tmp_path):
    """A Ray worker composes frames 4.. first: it gets background frames 4 % 3 = 1, then 2 (a seek, no replay)."""
    path = tmp_path / "bg.mp4"
    make_clip(path, frames=3, width=32, height=16)
    whole = parse_background(str(path)).frames(torch.zeros(3, 3, 8, 16), 0)
    background = parse_background(str(path))
    segment = background.frames(torch.zeros(2, 3, 8, 16), 4)
    background.close()
    assert torch.allclose(segment, whole[1:], atol=1e-6)


def test_blur_background_is_smooth_and_same_size():
    src = torch.zeros(1, 3, 64, 96)
    src[..., ::2, :] = 1.0  # stripes
    blurred = BlurBackground().frames(src, 0)
    assert blurred.shape == src.shape
    assert blurred.std() < 0.05 and blurred.mean() == pytest.approx(0.5, abs=0.05)
    assert isinstance(parse_background("blur"), BlurBackground)
    assert isinstance(parse_background("#000000"), ColorBackground)


def test_unknown_background_is_a_media_error(tmp_path):
    with pytest.raises(MediaError, match="not a colour"):
        parse_background(str(tmp_path / "missing.jpg"))
