"""Photos as cameras and phones write them, read upright in RGB; one matted picture written safely."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from videomatte.errors import MediaError
from videomatte.io.stills import StillWriter, is_still_output, load_still, picture_size, still_has_alpha


def _scene(width: int = 40, height: int = 24) -> np.ndarray:
    """A picture whose top-left quarter is red: its orientation shows in the pixels."""
    picture = np.zeros((height, width, 3), np.uint8)
    picture[: height // 2, : width // 2] = (255, 0, 0)
    picture[height // 2:, width // 2:] = (0, 0, 255)
    return picture


def test_a_phone_photo_stored_sideways_comes_out_upright(tmp_path: Path) -> None:
    upright = _scene()
    stored = Image.fromarray(upright).transpose(Image.Transpose.ROTATE_90)  # what the sensor saved
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 degrees clockwise to display"
    path = tmp_path / "phone.jpg"
    stored.save(path, exif=exif, quality=95)
    assert Image.open(path).size == (24, 40)
    picture = load_still(path)
    assert picture.shape == (24, 40, 3) and picture_size(path) == (40, 24)
    assert picture[2, 2, 0] > 200 and picture[2, 2, 2] < 60      # red stays top-left
    assert picture[-3, -3, 2] > 200 and picture[-3, -3, 0] < 60  # blue bottom-right


def test_sixteen_bit_gray_png_keeps_its_depth(tmp_path: Path) -> None:
    gray = (np.arange(24 * 40, dtype=np.uint32).reshape(24, 40) * 60).astype(np.uint16)
    path = tmp_path / "deep.png"
    Image.fromarray(gray).save(path)
    picture = load_still(path)
    assert picture.dtype == np.uint16 and picture.shape == (24, 40, 3)
    assert np.array_equal(picture[..., 1], gray)


def test_sixteen_bit_rgb_png_is_read_as_its_colours(tmp_path: Path) -> None:
    import av

    deep = np.zeros((24, 40, 3), np.uint16)
    deep[..., 0], deep[..., 1], deep[..., 2] = 65535, np.linspace(0, 65535, 40).astype(np.uint16)[None, :], 1000
    encoder = av.CodecContext.create("png", "w")
    encoder.width, encoder.height, encoder.pix_fmt, encoder.time_base = 40, 24, "rgb48be", 1
    frame = av.VideoFrame.from_ndarray(deep, format="rgb48le").reformat(format="rgb48be")
    (tmp_path / "deep_rgb.png").write_bytes(b"".join(bytes(p) for p in [*encoder.encode(frame), *encoder.encode(None)]))
    picture = load_still(tmp_path / "deep_rgb.png")
    assert picture.shape == (24, 40, 3)
    scale = 65535 if picture.dtype == np.uint16 else 255
    assert np.abs(picture / scale - deep / 65535).max() < 1.5 / 255


def test_palette_with_transparency_cmyk_and_gray_alpha_become_rgb(tmp_path: Path, recwarn) -> None:
    scene = _scene()
    palette = Image.fromarray(scene).convert("P", palette=Image.Palette.ADAPTIVE, colors=4)
    palette.info["transparency"] = 0
    palette.save(tmp_path / "palette.png", transparency=0)
    Image.fromarray(scene).convert("CMYK").save(tmp_path / "cmyk.jpg", quality=95)
    Image.fromarray(scene).convert("LA").save(tmp_path / "gray_alpha.png")
    for name in ("palette.png", "cmyk.jpg", "gray_alpha.png"):
        picture = load_still(tmp_path / name)
        assert picture.shape == (24, 40, 3) and picture.dtype == np.uint8, name
    cmyk = load_still(tmp_path / "cmyk.jpg")
    assert cmyk[2, 2, 0] > 200 and cmyk[2, 2, 1] < 60  # red, not inverted or shifted
    assert not [w for w in recwarn if "Palette images with Transparency" in str(w.message)]


def test_heic_reads_with_the_extra(tmp_path: Path) -> None:
    pillow_heif = pytest.importorskip("pillow_heif", reason="the heic extra (pillow-heif) is not installed")
    pillow_heif.register_heif_opener()
    Image.fromarray(_scene(64, 48)).save(tmp_path / "iphone.heic", quality=95)
    picture = load_still(tmp_path / "iphone.heic")
    assert picture.shape == (48, 64, 3) and picture[3, 3, 0] > 180


def test_a_file_that_is_no_picture_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "notes.jpg").write_text("not a picture")
    with pytest.raises(MediaError, match=r"notes\.jpg: not a readable image"):
        load_still(tmp_path / "notes.jpg")
    assert picture_size(tmp_path / "notes.jpg") is None


@pytest.mark.parametrize("name, alpha", [("cut.png", True), ("cut.webp", True), ("cut.tif", True),
                                         ("cut.jpg", False)])
def test_one_picture_written_per_format(tmp_path: Path, name: str, alpha: bool) -> None:
    assert is_still_output(tmp_path / name) and still_has_alpha(name) == alpha
    rgba = np.dstack([_scene(), np.linspace(0, 255, 40, dtype=np.uint8)[None, :].repeat(24, 0)])
    with StillWriter(tmp_path / name) as writer:
        writer.write(rgba if alpha else rgba[..., :3])
        assert not (tmp_path / name).exists()  # only a temporary name until the block ends
    written = Image.open(tmp_path / name)
    assert written.size == (40, 24) and written.mode == ("RGBA" if alpha else "RGB")
    if alpha:
        assert np.abs(np.asarray(written)[..., 3].astype(int) - rgba[..., 3]).max() <= 1
    assert [p.name for p in tmp_path.iterdir()] == [name]


def test_a_second_picture_and_a_failure_leave_nothing(tmp_path: Path) -> None:
    with pytest.raises(MediaError, match="holds one picture"):
        with StillWriter(tmp_path / "cut.png") as writer:
            writer.write(_scene())
            writer.write(_scene())
    assert list(tmp_path.iterdir()) == []
    assert not is_still_output("frames/") and not is_still_output("talk.mov")
