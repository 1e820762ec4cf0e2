"""Tiny datasets in each real format load, and broken ones fail naming the file."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from training_data import (
    SIZE, person_alpha, save, texture, write_backgrounds, write_coco, write_footage_frames, write_footage_video,
    write_imagematte, write_supervisely, write_videomatte, write_youtubevis,
)
from videomatte.training.augment import VALIDATION, VIDEOMATTE_TRAIN, MotionAugmentation
from videomatte.training.datasets.backgrounds import BackgroundPool
from videomatte.training.datasets.coco import CocoPanopticPersons
from videomatte.training.datasets.footage import footage_clips
from videomatte.training.datasets.matting import MattingDataset
from videomatte.training.datasets.rle import decode_counts, decode_rle, encode_counts
from videomatte.training.datasets.segmentation import ImageSegmentationDataset
from videomatte.training.datasets.supervisely import SuperviselyPersons
from videomatte.training.datasets.videomatte import imagematte_clips, videomatte240k_clips
from videomatte.training.datasets.youtubevis import YouTubeVISPersons
from videomatte.errors import DatasetError
from videomatte.training.samplers import TrainFrameSampler, ValidFrameSampler
from videomatte.training.seg_augment import SegmentationAugmentation


def test_videomatte240k_composites_over_image_and_video_backgrounds(tmp_path: Path) -> None:
    clips = videomatte240k_clips(write_videomatte(tmp_path / "vm", clips=2, frames=5))
    assert [c.name for c in clips] == ["0000", "0001"] and len(clips[0]) == 5
    pool = BackgroundPool(*write_backgrounds(tmp_path / "bg"))
    dataset = MattingDataset(clips, pool, 3, MotionAugmentation(32, VIDEOMATTE_TRAIN), TrainFrameSampler())
    assert len(dataset) == 4  # ceil(5 / 3) items per clip
    items = [dataset[(i, 100 + i)] for i in range(len(dataset))]
    for item in items:
        assert item["fgr"].shape == (3, 3, 32, 32) and item["pha"].shape == (3, 1, 32, 32)
        assert item["bgr"].shape == (3, 3, 32, 32)
    assert all(torch.equal(items[0][k], dataset[(0, 100)][k]) for k in items[0])


def test_videomatte_valid_frames_are_consecutive(tmp_path: Path) -> None:
    clips = videomatte240k_clips(write_videomatte(tmp_path / "vm", clips=1, frames=4, suffix=".png"))
    pool = BackgroundPool(write_backgrounds(tmp_path / "bg")[0])
    item = MattingDataset(clips, pool, 4, MotionAugmentation(SIZE[0], VALIDATION), ValidFrameSampler())[(0, 0)]
    # The soft ellipse moves right by 2 % of the width per frame: alpha mass shifts accordingly.
    columns = item["pha"][:, 0].sum(1)
    centres = (columns * torch.arange(columns.shape[1])).sum(1) / columns.sum(1)
    assert torch.all(centres[1:] > centres[:-1])


def test_videomatte_missing_alpha_names_the_clip(tmp_path: Path) -> None:
    root = write_videomatte(tmp_path / "vm", clips=1, frames=2)
    (root / "pha" / "0000" / "00001.jpg").unlink()
    with pytest.raises(DatasetError, match="00001"):
        videomatte240k_clips(root)


def test_corrupt_image_names_the_file(tmp_path: Path) -> None:
    root = write_videomatte(tmp_path / "vm", clips=1, frames=2)
    broken = root / "fgr" / "0000" / "00000.jpg"
    broken.write_bytes(b"not a jpeg")
    with pytest.raises(DatasetError, match="00000.jpg"):
        videomatte240k_clips(root)[0].read([0], None)


@pytest.mark.parametrize("layout", [("fgr", "pha"), ("FG", "GT"), ("fg", "alpha")])
def test_imagematte_layouts(tmp_path: Path, layout: tuple[str, str]) -> None:
    clips = imagematte_clips(write_imagematte(tmp_path / "im", layout))
    assert len(clips) == 3 and all(len(c) == 1 for c in clips)
    fgr, pha = clips[0].read([0, 0, 0], None)  # a still image repeated over T frames
    assert fgr.shape == (3, 3, *SIZE) and pha.shape == (3, 1, *SIZE)


def test_imagematte_unknown_layout(tmp_path: Path) -> None:
    (tmp_path / "im" / "images").mkdir(parents=True)
    with pytest.raises(DatasetError, match="known layouts"):
        imagematte_clips(tmp_path / "im")


def test_footage_frames_and_videos(tmp_path: Path) -> None:
    write_footage_frames(tmp_path / "own" / "a", "com")
    write_footage_frames(tmp_path / "own" / "b", "fgr")
    write_footage_video(tmp_path / "own" / "c")
    clips = footage_clips(tmp_path / "own")
    assert [(c.name, c.composited, len(c)) for c in clips] == [("a", True, 4), ("b", False, 4), ("c", True, 4)]
    com, pha = clips[2].read([3, 1], None)
    assert com.shape == (2, 3, *SIZE) and pha.shape == (2, 1, *SIZE)
    expected = torch.from_numpy(person_alpha(*SIZE)).float() / 255
    assert (pha[0, 0] - expected).abs().mean() < 0.02  # lossy H.264, yet the same matte
    dataset = MattingDataset(clips[:1], None, 2, MotionAugmentation(32, VIDEOMATTE_TRAIN), TrainFrameSampler())
    item = dataset[(0, 5)]
    assert torch.equal(item["fgr"], item["bgr"])  # footage keeps its own background


def test_footage_with_its_own_backgrounds(tmp_path: Path) -> None:
    # The pseudo-GT training split: CLIP/{com,fgr,pha,bgr}/NNNN.png; fgr is composited over bgr.
    clip = write_footage_frames(write_footage_frames(tmp_path / "pgt" / "clip", "fgr"), "com")
    for f in range(4):
        save(texture(*SIZE, seed=90 + f), clip / "bgr" / f"{f:04d}.png")
    (clips,) = [footage_clips(tmp_path / "pgt")]
    assert not clips[0].composited and len(clips[0].bgr_paths) == 4
    expected = torch.from_numpy(texture(*SIZE, seed=91)).permute(2, 0, 1).float() / 255
    assert torch.equal(clips[0].read_background([1], None)[0], expected)
    item = MattingDataset(clips, None, 2, MotionAugmentation(32, VALIDATION), ValidFrameSampler())[(0, 0)]
    assert item["bgr"].shape == (2, 3, 32, 32) and not torch.equal(item["bgr"], item["fgr"])


def test_footage_errors(tmp_path: Path) -> None:
    (tmp_path / "own" / "x").mkdir(parents=True)
    with pytest.raises(DatasetError, match="com.mp4"):
        footage_clips(tmp_path / "own")
    write_footage_frames(tmp_path / "two", "fgr")
    clips = footage_clips(tmp_path / "two")
    with pytest.raises(DatasetError, match="backgrounds"):
        MattingDataset(clips, None, 2, MotionAugmentation(32, VALIDATION), ValidFrameSampler())


def test_background_pool_needs_something(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="no backgrounds"):
        BackgroundPool()
    (tmp_path / "empty").mkdir()
    with pytest.raises(DatasetError, match="no images"):
        BackgroundPool(tmp_path / "empty")


def test_coco_panoptic_person_masks(tmp_path: Path) -> None:
    coco = CocoPanopticPersons(write_coco(tmp_path / "coco"))
    assert len(coco) == 1  # the image whose only segment is category 3 (car) is left out
    img, seg = coco.load(0, None)
    expected = torch.from_numpy(person_alpha(*SIZE) > 128).float()
    assert img.shape == (3, *SIZE) and torch.equal(seg[0], expected)


def test_coco_malformed_json(tmp_path: Path) -> None:
    root = write_coco(tmp_path / "coco")
    (root / "annotations" / "panoptic_train2017.json").write_text("{")
    with pytest.raises(DatasetError, match="panoptic_train2017.json"):
        CocoPanopticPersons(root)


def test_supervisely_bitmap_and_polygon(tmp_path: Path) -> None:
    spd = SuperviselyPersons(write_supervisely(tmp_path / "spd"))
    _, bitmap = spd.load(0, None)
    assert float(bitmap.sum()) == 20 * 10 and float(bitmap[0, 7:27, 5:15].min()) == 1
    _, polygon = spd.load(1, None)
    assert float(polygon[0, 25, 15]) == 1 and float(polygon[0, 25, 25]) == 0  # the hole stays empty
    dataset = ImageSegmentationDataset([spd], SegmentationAugmentation(32, "image"))
    item = dataset[(1, 3)]
    assert item["img"].shape == (1, 3, 32, 32) and item["seg"].shape == (1, 1, 32, 32)


def test_supervisely_malformed_annotation(tmp_path: Path) -> None:
    root = write_supervisely(tmp_path / "spd")
    (root / "ds1" / "ann" / "a.png.json").write_text(json.dumps({"objects": []}))
    with pytest.raises(DatasetError, match="a.png.json"):
        SuperviselyPersons(root).load(0, None)


def test_rle_by_hand() -> None:
    assert decode_counts("1232") == [1, 2, 3, 4]  # from the third count on, deltas: 4 = 2 + 2
    assert encode_counts([1, 2, 3, 4]) == "1232"
    # 2x3 mask, column-major runs: 1 background, 3 foreground, 2 background.
    mask = decode_rle({"size": [2, 3], "counts": [1, 3, 2]})
    assert mask.tolist() == [[False, True, False], [True, True, False]]


def test_youtubevis_persons(tmp_path: Path) -> None:
    dataset = YouTubeVISPersons(write_youtubevis(tmp_path / "ytvis"), 4, SegmentationAugmentation(32, "none"),
                                ValidFrameSampler())
    assert len(dataset) == 1  # the video without a person is left out
    item = dataset[(0, 0)]
    assert item["img"].shape == (4, 3, 32, 32) and item["seg"].shape == (4, 1, 32, 32)
    assert float(item["seg"][0].sum()) > 50 and float(item["seg"][3].sum()) == 0  # last frame: null RLE


def test_youtubevis_bad_rle(tmp_path: Path) -> None:
    root = write_youtubevis(tmp_path / "ytvis")
    data = json.loads((root / "instances.json").read_text())
    data["annotations"][0]["segmentations"][0] = {"size": [3, 3], "counts": [1, 2]}
    (root / "instances.json").write_text(json.dumps(data))
    dataset = YouTubeVISPersons(root, 4, SegmentationAugmentation(32, "none"), ValidFrameSampler())
    with pytest.raises(DatasetError, match="instances.json"):
        dataset[(0, 0)]
