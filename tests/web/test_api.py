"""The HTTP API of ``videomatte serve``, called with gradio_client against a real server."""
from __future__ import annotations

import re
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from media_clips import make_clip, moving_scene
from web_media import decode

pytest.importorskip("gradio", reason="the web extra (gradio) is not installed")
gradio_client = pytest.importorskip("gradio_client", reason="gradio_client is not installed")

from web_media import CLIP_FRAMES  # noqa: E402


@pytest.fixture(scope="module")
def client(server):
    return gradio_client.Client(server.url, verbose=False)


def test_convert_a_real_clip_by_default_gives_a_transparent_mov_and_the_alpha(client, short_clip: Path) -> None:
    job = client.submit(gradio_client.handle_file(str(short_clip)), api_name="/convert")
    progress = []
    while not job.done():
        progress += [(unit.index, unit.length, unit.unit.strip(), unit.desc) for unit in job.status().progress_data or []]
        time.sleep(0.01)
    paths = [Path(p) for p in job.result()]
    assert [p.name for p in paths] == ["person.mov", "person_alpha.mp4"]
    rgba, _ = decode(paths[0], alpha=True)
    assert len(rgba) == CLIP_FRAMES and rgba[0].shape == (640, 360, 4)
    alpha = np.stack(rgba)[..., 3].astype(np.float32) / np.iinfo(rgba[0].dtype).max
    assert 0.05 < alpha.mean() < 0.6  # a person, not the whole picture
    assert alpha[:, :40, :40].max() < 0.1  # the top-left corner is background
    matte, _ = decode(paths[1])
    assert len(matte) == CLIP_FRAMES
    assert np.abs(matte[3][..., 0] / 255.0 - alpha[3]).mean() < 0.02
    # Gradio's progress bar followed the conversion's frame counter (tqdm, tracked by gr.Progress)
    assert progress and all(entry[1:3] == (CLIP_FRAMES, "frames") for entry in progress)
    assert all(entry[3].startswith("person.mp4") for entry in progress)
    assert max(entry[0] for entry in progress) >= CLIP_FRAMES // 2
    assert any(re.fullmatch(r"person.mp4 · [\d.]+ fps · ETA 0:00:\d\d", entry[3]) for entry in progress)


def test_audio_is_kept_in_every_video_output(client, tmp_path: Path) -> None:
    clip = tmp_path / "talk.mp4"
    make_clip(clip, frames=10, audio=True)
    paths = client.predict(gradio_client.handle_file(str(clip)), "webm", ["alpha", "composite"], "colour",
                           "#0000ff", api_name="/convert")
    names = [Path(p).name for p in paths]
    assert names == ["talk.webm", "talk_alpha.mp4", "talk_composite.mp4"]
    for path in paths:
        pictures, has_audio = decode(Path(path), alpha=path.endswith(".webm"))
        assert len(pictures) == 10 and has_audio, path
    composite, _ = decode(Path(paths[2]))
    assert composite[0].shape == (64, 96, 3)


def test_a_zip_of_images_becomes_a_zip_of_rgba_pngs(client, tmp_path: Path) -> None:
    archive = tmp_path / "shot.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        for index in range(4):
            picture, _ = moving_scene(index, 96, 64)  # the size of make_clip's clips: the same graph
            path = tmp_path / f"f{index:03d}.png"
            Image.fromarray(picture).save(path)
            zipped.write(path, f"shot/{path.name}")
    paths = client.predict(gradio_client.handle_file(str(archive)), "png", [], api_name="/convert")
    assert [Path(p).name for p in paths] == ["shot_png.zip"]
    with zipfile.ZipFile(paths[0]) as zipped:
        names = sorted(zipped.namelist())
        assert len(names) == 4
        with zipped.open(names[0]) as first:
            assert Image.open(first).mode == "RGBA"


@pytest.mark.parametrize("name, content, message", [
    ("notes.mp4", b"this is not a video\n" * 10, "notes.mp4: not a readable video"),
    ("cut.mp4", None, "cut.mp4: "),
])
def test_bad_uploads_get_the_command_lines_one_line(client, tmp_path: Path, short_clip: Path, name: str,
                                                    content: bytes | None, message: str) -> None:
    upload = tmp_path / name
    upload.write_bytes(content if content is not None else short_clip.read_bytes()[:3000])
    with pytest.raises(Exception) as caught:
        client.predict(gradio_client.handle_file(str(upload)), api_name="/convert")
    text = str(caught.value)
    assert text.startswith("videomatte: error: ") and message in text
    assert "Traceback" not in text and "/tmp/" not in text and "\n" not in text


def test_an_upload_over_the_size_limit_is_refused_before_it_is_sent(client, tmp_path: Path) -> None:
    upload = tmp_path / "big.mp4"
    upload.write_bytes(b"\0" * 2_500_000)
    with pytest.raises(Exception, match=r"big.mp4 exceeds the maximum file size of 2000000 bytes"):
        client.predict(gradio_client.handle_file(str(upload)), api_name="/convert")


def test_a_video_over_the_duration_limit_is_refused(client, tmp_path: Path) -> None:
    clip = tmp_path / "long.mp4"
    make_clip(clip, frames=200, width=32, height=32)
    with pytest.raises(Exception, match=r"long.mp4: 6.7 s is over this server's limit of 5 s"):
        client.predict(gradio_client.handle_file(str(clip)), api_name="/convert")



def test_subject_points_keep_only_that_person(client, group_clip: Path) -> None:
    left_only = client.predict(gradio_client.handle_file(str(group_clip)), "none", ["alpha"],
                               subject="95,120", api_name="/convert")
    matte, _ = decode(Path(left_only[0]))
    alpha = np.stack(matte)[..., 0] / 255.0
    assert alpha[:, :, 60:130].mean() > 0.4  # the left one of the three, under the point
    assert alpha[:, :, 160:].max() < 0.05  # the middle and right ones are gone
    with pytest.raises(Exception) as caught:
        client.predict(gradio_client.handle_file(str(group_clip)), "none", ["alpha"], subject="380,5",
                       api_name="/convert")
    assert str(caught.value).startswith("videomatte: error: frame 0: the subject point (380, 5) hits no person")


def test_a_time_range_converts_only_that_part_with_its_audio(client, tmp_path: Path) -> None:
    clip = tmp_path / "long.mp4"
    make_clip(clip, frames=30, audio=True)  # 30000/1001 fps: about 1 s
    paths = client.predict(gradio_client.handle_file(str(clip)), "none", ["alpha"], start="0:00:00.5",
                           duration="0.2", api_name="/convert")
    pictures, has_audio = decode(Path(paths[0]))
    assert len(pictures) == 6 and has_audio  # frames 15..20 of 29.97 fps
    with pytest.raises(Exception, match=r"--duration must be above 0, got 0"):
        client.predict(gradio_client.handle_file(str(clip)), "none", ["alpha"], duration="0", api_name="/convert")
