"""Tiny datasets written in each real on-disk format (imported by the training tests)."""
from __future__ import annotations

import base64
import io
import json
import zlib
from pathlib import Path

import numpy as np
from PIL import Image

from videomatte.training.datasets.rle import encode_counts, encode_rle

SIZE = (72, 96)  # H, W


def person_alpha(height: int, width: int, shift: float = 0.0) -> np.ndarray:
    """A soft ellipse (a stand-in person), uint8 ``[H, W]``."""
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    cx, cy = width * (0.5 + shift), height * 0.55
    d = ((x - cx) / (width * 0.22)) ** 2 + ((y - cy) / (height * 0.38)) ** 2
    return (np.clip((1.2 - d) / 0.4, 0, 1) * 255).astype(np.uint8)


def texture(height: int, width: int, seed: int) -> np.ndarray:
    """A smooth colourful image, uint8 ``[H, W, 3]``."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    channels = [np.sin(x / rng.uniform(4, 12) + rng.uniform(0, 6)) * np.cos(y / rng.uniform(4, 12)) for _ in range(3)]
    return ((np.stack(channels, -1) * 0.5 + 0.5) * 255).astype(np.uint8)


def save(array: np.ndarray, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(array).save(path)
    return path


def write_videomatte(root: Path, clips: int = 2, frames: int = 5, suffix: str = ".jpg") -> Path:
    """``root/fgr/<clip>/<frame>`` + ``root/pha/<clip>/<frame>``."""
    for c in range(clips):
        for f in range(frames):
            name = f"{f:05d}{suffix}"
            save(texture(*SIZE, seed=c), root / "fgr" / f"{c:04d}" / name)
            save(person_alpha(*SIZE, shift=0.02 * f), root / "pha" / f"{c:04d}" / name)
    return root


def write_imagematte(root: Path, layout: tuple[str, str] = ("fgr", "pha"), count: int = 3) -> Path:
    for i in range(count):
        save(texture(*SIZE, seed=10 + i), root / layout[0] / f"img{i}.png")
        save(person_alpha(*SIZE), root / layout[1] / f"img{i}.png")
    return root


def write_backgrounds(root: Path) -> tuple[Path, Path]:
    """Background images ``root/images`` and background videos ``root/videos/<clip>/<frame>.jpg``."""
    for i in range(2):
        save(texture(80, 100, seed=20 + i), root / "images" / f"bg{i}.jpg")
    for c in range(2):
        for f in range(4):
            save(texture(80, 100, seed=30 + c + f), root / "videos" / f"clip{c}" / f"{f:04d}.jpg")
    return root / "images", root / "videos"


def write_coco(root: Path) -> Path:
    """Two images (one with a person, one without) in the COCO panoptic layout."""
    images, annotations = [], []
    for i, category in enumerate((1, 3)):
        name = f"{i:012d}"
        save(texture(*SIZE, seed=40 + i), root / "train2017" / f"{name}.jpg")
        panoptic = np.zeros((*SIZE, 3), np.uint8)
        mask = person_alpha(*SIZE) > 128
        segment_id = 300 + i  # 300 = 44 + 256 * 1
        panoptic[mask] = (segment_id % 256, segment_id // 256, 0)
        save(panoptic, root / "annotations" / "panoptic_train2017" / f"{name}.png")
        images.append({"id": i, "file_name": f"{name}.jpg", "height": SIZE[0], "width": SIZE[1]})
        annotations.append({"image_id": i, "file_name": f"{name}.png",
                            "segments_info": [{"id": segment_id, "category_id": category}]})
    (root / "annotations" / "panoptic_train2017.json").write_text(
        json.dumps({"images": images, "annotations": annotations, "categories": []}))
    return root


def write_supervisely(root: Path) -> Path:
    """One part with a bitmap-annotated and a polygon-annotated image (original release layout)."""
    height, width = SIZE
    save(texture(*SIZE, seed=50), root / "ds1" / "img" / "a.png")
    save(texture(*SIZE, seed=51), root / "ds1" / "img" / "b.png")
    bitmap = np.zeros((20, 10, 4), np.uint8)
    bitmap[..., 3] = 255
    png = io.BytesIO()
    Image.fromarray(bitmap).save(png, format="PNG")
    data = base64.b64encode(zlib.compress(png.getvalue())).decode()
    bitmap_ann = {"size": {"height": height, "width": width},
                  "objects": [{"geometryType": "bitmap", "classTitle": "person_bmp", "bitmap": {"data": data, "origin": [5, 7]}}]}
    polygon_ann = {"size": {"height": height, "width": width},
                   "objects": [{"geometryType": "polygon", "classTitle": "person_poly",
                                "points": {"exterior": [[10, 10], [50, 10], [50, 40], [10, 40]],
                                           "interior": [[[20, 20], [30, 20], [30, 30], [20, 30]]]}}]}
    (root / "ds1" / "ann").mkdir(parents=True, exist_ok=True)
    (root / "ds1" / "ann" / "a.png.json").write_text(json.dumps(bitmap_ann))
    (root / "ds1" / "ann" / "b.png.json").write_text(json.dumps(polygon_ann))
    return root


def write_youtubevis(root: Path, frames: int = 4) -> Path:
    """One video with a person (list counts and compact-string counts) and one without."""
    videos, annotations = [], []
    for v in range(2):
        names = []
        for f in range(frames):
            names.append(f"vid{v}/{f:05d}.jpg")
            save(texture(*SIZE, seed=60 + f), root / "JPEGImages" / names[-1])
        videos.append({"id": v + 1, "file_names": names, "height": SIZE[0], "width": SIZE[1], "length": frames})
    segs = []
    for f in range(frames):
        counts = encode_rle(person_alpha(*SIZE, shift=0.02 * f) > 128)
        segs.append({"size": list(SIZE), "counts": counts if f % 2 else encode_counts(counts)})
    segs[-1] = None
    annotations.append({"video_id": 1, "category_id": 26, "segmentations": segs})
    annotations.append({"video_id": 2, "category_id": 5, "segmentations": [None] * frames})
    (root / "instances.json").write_text(json.dumps(
        {"videos": videos, "annotations": annotations, "categories": [{"id": 26, "name": "person"}]}))
    return root


def write_footage_frames(root: Path, kind: str = "com", frames: int = 4) -> Path:
    """``root/<kind>/`` + ``root/pha/`` frame folders."""
    for f in range(frames):
        save(texture(*SIZE, seed=70 + f), root / kind / f"{f:04d}.png")
        save(person_alpha(*SIZE, shift=0.02 * f), root / "pha" / f"{f:04d}.png")
    return root


def write_footage_video(root: Path, frames: int = 4) -> Path:
    """``root/com.mp4`` + ``root/pha.mp4``."""
    import av

    root.mkdir(parents=True, exist_ok=True)
    for name, make in (("com", lambda f: texture(*SIZE, seed=80 + f)),
                       ("pha", lambda f: np.repeat(person_alpha(*SIZE)[..., None], 3, -1))):
        with av.open(str(root / f"{name}.mp4"), "w") as container:
            stream = container.add_stream("libx264", rate=24)
            stream.width, stream.height, stream.pix_fmt = SIZE[1], SIZE[0], "yuv420p"
            for f in range(frames):
                for packet in stream.encode(av.VideoFrame.from_ndarray(make(f), format="rgb24")):
                    container.mux(packet)
            for packet in stream.encode():
                container.mux(packet)
    return root
