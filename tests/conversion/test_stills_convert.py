"""Photos through ``convert`` and ``matte_image``: one picture per photo, folders read as what they hold."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import videomatte
from media_clips import make_clip, moving_scene
from videomatte.cli.main import main
from videomatte.errors import MediaError, VideoMatteError
from videomatte.conversion.batch import convert
from videomatte.conversion.inputs import read_inputs

FAST = dict(device="cpu", backend="torch", progress=False)


def _photo(path: Path, width: int, height: int, orientation: int = 1) -> Path:
    picture, _ = moving_scene(3, width, height)
    image = Image.fromarray(picture)
    exif = Image.Exif()
    if orientation != 1:
        exif[0x0112] = orientation
        image = image.transpose(Image.Transpose.ROTATE_90)  # stored sideways, shown upright
    image.save(path, exif=exif)
    return path


@pytest.mark.slow
def test_a_phone_photo_becomes_an_upright_rgba_png(tmp_path: Path, random_weights: Path) -> None:
    photo = _photo(tmp_path / "phone.jpg", 64, 40, orientation=6)
    results = convert(photo, output=tmp_path / "cut.png", alpha=tmp_path / "matte.png",
                      composite=tmp_path / "comp.jpg", weights=random_weights, **FAST)
    assert results[0].frames == 1 and results[0].outputs[0] == str(tmp_path / "cut.png")
    cut = Image.open(tmp_path / "cut.png")
    assert cut.mode == "RGBA" and cut.size == (64, 40)
    assert Image.open(tmp_path / "matte.png").mode == "L" and Image.open(tmp_path / "comp.jpg").mode == "RGB"
    alpha = np.asarray(cut)[..., 3]
    assert alpha.std() > 1  # a matte with structure
    direct = videomatte.matte_image(photo, weights=random_weights, device="cpu", backend="torch")
    assert direct.shape == (40, 64, 4) and direct.dtype == np.uint8
    assert np.abs(direct[..., 3].astype(int) - alpha).max() <= 1


@pytest.mark.slow
def test_matte_image_takes_an_array_like_the_file(tmp_path: Path, random_weights: Path) -> None:
    picture, _ = moving_scene(5, 48, 32)
    Image.fromarray(picture).save(tmp_path / "p.png")
    from_array = videomatte.matte_image(picture, weights=random_weights, device="cpu", backend="torch")
    from_path = videomatte.matte_image(tmp_path / "p.png", weights=random_weights, device="cpu", backend="torch")
    assert from_array.shape == (32, 48, 4) and np.array_equal(from_array, from_path)
    from videomatte.conversion.stills import _session_for
    from videomatte.inference.model_settings import ModelSettings

    default = _session_for(ModelSettings(weights=str(random_weights), device="cpu"))
    assert default.backend.name == "auto"  # matte_image's default is the command line's runtime
    with pytest.raises(TypeError, match="uint8 or uint16"):
        videomatte.matte_image(picture.astype(np.float32), weights=random_weights, device="cpu", backend="torch")


@pytest.mark.slow
def test_a_folder_of_photos_of_different_sizes_gives_one_png_each(tmp_path: Path, random_weights: Path,
                                                                   capsys) -> None:
    holiday = tmp_path / "holiday"
    holiday.mkdir()
    sizes = {"beach.jpg": (48, 32), "hill.png": (32, 48), "town.webp": (40, 40)}
    for name, (width, height) in sizes.items():
        _photo(holiday / name, width, height)
    out = tmp_path / "cutouts"
    code = main(["convert", str(holiday), "-o", f"{out}/", "--weights", str(random_weights), "--device", "cpu",
                 "--backend", "torch"])
    assert code == 0
    assert f"{holiday}: 3 photos of 3 sizes, matted one by one" in capsys.readouterr().err
    for name, size in sizes.items():
        written = Image.open(out / f"{Path(name).stem}.png")
        assert written.mode == "RGBA" and written.size == size
    assert len(list(out.iterdir())) == 3


def test_same_size_pictures_stay_a_sequence_unless_stills(tmp_path: Path) -> None:
    for index in range(3):
        _photo(tmp_path / f"{index:04d}.png", 32, 24)
    assert read_inputs(tmp_path).sources == [str(tmp_path)]
    assert read_inputs(tmp_path).notes == [f"{tmp_path}: an image sequence of 3 pictures"]
    assert read_inputs(tmp_path, stills=True).sources == [str(tmp_path / f"{i:04d}.png") for i in range(3)]


@pytest.mark.slow
def test_a_folder_of_videos_and_a_photo_is_a_batch_of_both(tmp_path: Path, random_weights: Path, capsys) -> None:
    clips = tmp_path / "clips"
    clips.mkdir()
    make_clip(clips / "talk.mp4", frames=3, width=48, height=32)
    _photo(clips / "portrait.jpg", 32, 48)
    out = tmp_path / "out"
    code = main(["convert", str(clips), "-o", f"{out}/{{name}}.mov", "--weights", str(random_weights),
                 "--device", "cpu", "--backend", "torch"])
    assert code == 0, capsys.readouterr().err
    assert f"{clips}: 1 video, 1 photo" in capsys.readouterr().err
    assert sorted(p.name for p in out.iterdir()) == ["portrait.png", "talk.mov"]
    assert Image.open(out / "portrait.png").mode == "RGBA"


def test_pictures_and_videos_that_do_not_fit_their_outputs_are_refused_up_front(tmp_path: Path) -> None:
    clip = tmp_path / "talk.mp4"
    make_clip(clip, frames=2, width=32, height=24)
    photo = _photo(tmp_path / "a.jpg", 32, 24)
    with pytest.raises(MediaError, match=r"cut\.png: one picture cannot hold .*talk\.mp4"):
        convert(clip, output=tmp_path / "cut.png", weights=None, **FAST)
    with pytest.raises(MediaError, match="a photo has no time range"):
        convert(photo, output=tmp_path / "cut.png", weights=None, start=1, **FAST)
    with pytest.raises(VideoMatteError, match=r"2 inputs: every output needs \{name\}"):
        convert([photo, clip], output=tmp_path / "x.mov", weights=None, **FAST)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.jpg", "talk.mp4"]


@pytest.mark.slow
def test_a_lone_photo_into_a_video_file_is_a_one_frame_video(tmp_path: Path, random_weights: Path) -> None:
    import av

    photo = _photo(tmp_path / "a.png", 48, 32)
    convert(photo, output=tmp_path / "a.mkv", weights=random_weights, **FAST)
    with av.open(str(tmp_path / "a.mkv")) as container:
        frames = list(container.decode(video=0))
    assert len(frames) == 1 and (frames[0].width, frames[0].height) == (48, 32)
