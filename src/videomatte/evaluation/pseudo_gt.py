"""A pseudo-ground-truth benchmark that needs no download.

The official RVM weights (ONNX export, run with onnxruntime) matte real footage; their foreground and
alpha become the "ground truth", cut into fixed-length segments, and are composited over new backgrounds.
The result favours models that behave like RVM: use it for regressions, ablations and fine-tuning checks,
never as a claim of absolute matting quality.

Output under ``OUT``::

    source/fgr/SEGMENT/NNNN.png, source/pha/SEGMENT/NNNN.png   VideoMatte240K layout (reusable)
    heldout/CLIP/{com,fgr,pha,bgr}/NNNN.png  + manifest.json    the evaluation set
    train/CLIP/{com,fgr,pha,bgr}/NNNN.png    + manifest.json    for fine-tuning
    split.json                                                 what went where, and the weights' sha256

The split shares neither footage nor background: held-out takes every source clip but the longest and
every other background image (sorted by name); train takes the longest clip and the other backgrounds.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable, Sequence

import numpy as np
from PIL import Image

from videomatte.errors import MediaError
from videomatte.evaluation import media, testset
from videomatte.evaluation.predictors import OnnxRVMPredictor
from videomatte.io.files import list_videos
from videomatte.models.weights.download import sha256_of

WARMUP_FRAMES = 15


@dataclass(frozen=True)
class PseudoGTConfig:
    """Output size ``(W, H)``, frames per segment (= per clip), seed, and a cap on training segments."""

    size: tuple[int, int] = (512, 288)
    frames: int = 40
    seed: int = 2108
    max_train_segments: int | None = None


def _video_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        raise MediaError(f"clips folder not found: {folder}")
    files = list_videos(folder)
    if not files:
        raise MediaError(f"no video files in {folder}")
    return files


def _frame_count(video: Path) -> int:
    return sum(1 for _ in media.iter_video(video))


def _storage_size(frame_size: tuple[int, int], out_size: tuple[int, int]) -> tuple[int, int]:
    """Source frames are stored at most at twice the output size (aspect kept): plenty for composing."""
    w, h = frame_size
    scale = min(1.0, 2 * out_size[0] / w, 2 * out_size[1] / h)
    return max(1, round(w * scale)), max(1, round(h * scale))


def matte_segments(
    video: Path, predictor: OnnxRVMPredictor, out: Path, config: PseudoGTConfig, max_segments: int | None
) -> list[str]:
    """Matte ``video`` from its first frame with recurrent state (primed on its first frames) and write
    consecutive ``config.frames``-frame segments as ``out/{fgr,pha}/STEM_SS/NNNN.png``; returns their names."""
    total = _frame_count(video)
    count = max(1, total // config.frames)
    count = count if max_segments is None else min(count, max_segments)
    length = min(total, config.frames)
    frames = list(media.iter_video(video, count * length))
    predictor.reset()
    predictor.step(np.stack(frames[:WARMUP_FRAMES]))  # prime the state so frame 0 is not a cold start
    names = [f"{video.stem}_{s:02d}" for s in range(count)]
    size = _storage_size((frames[0].shape[1], frames[0].shape[0]), config.size)
    for index, frame in enumerate(frames):
        pha, fgr = predictor.step(frame[None])
        segment, t = names[index // length], index % length
        pha_img = Image.fromarray(media.to_uint8(pha[0])).resize(size, Image.Resampling.BILINEAR)
        fgr_img = Image.fromarray(media.to_uint8(fgr[0])).resize(size, Image.Resampling.BILINEAR)
        media.write_png(out / "pha" / segment / f"{t:04d}.png", np.asarray(pha_img))
        media.write_png(out / "fgr" / segment / f"{t:04d}.png", np.asarray(fgr_img))
    return names


def _plans(
    segments: Sequence[testset.ForegroundClip], backgrounds: Sequence[testset.BackgroundSource]
) -> list[testset.ClipPlan]:
    """Every segment over every background; still backgrounds alternate static / panning, mirrored on odd."""
    plans = []
    for fg in segments:
        for index, bg in enumerate(backgrounds):
            motion = "video" if bg.kind == "video" else ("static", "pan")[index % 2]
            name = f"{fg.name}-{bg.name}-{motion}"
            plans.append(testset.ClipPlan(name, fg, bg, motion, flip=index % 2 == 1))
    return plans


def _build_part(
    out: Path,
    part: str,
    videos: Sequence[Path],
    backgrounds: Sequence[testset.BackgroundSource],
    predictor: OnnxRVMPredictor,
    config: PseudoGTConfig,
    max_segments: int | None,
    progress: Callable[[str], None] | None,
) -> dict[str, list[str]]:
    """Matte ``videos`` into ``out/source`` and compose them over ``backgrounds`` into ``out/part``."""
    names: list[str] = []
    for video in videos:
        if progress is not None:
            progress(f"{part}: matting {video.name} with the official weights")
        names += matte_segments(video, predictor, out / "source", config, max_segments)
    sources = {c.name: c for c in testset.videomatte_clips(out / "source")}
    if progress is not None:
        progress(f"{part}: composing {len(names) * len(backgrounds)} clips")
    plans = _plans([sources[name] for name in names], backgrounds)
    testset.compose_set(plans, out / part, testset.ComposeConfig(config.size, config.frames, config.seed))
    return {"clips": names, "backgrounds": [b.name for b in backgrounds]}


def build_pseudo_gt(
    out: Path,
    clips_dir: Path,
    images_dir: Path,
    weights: Path,
    config: PseudoGTConfig = PseudoGTConfig(),
    progress: Callable[[str], None] | None = None,
) -> Path:
    """Build the set described in the module docstring under ``out``; returns the path of ``split.json``."""
    out = Path(out)
    videos = _video_files(Path(clips_dir))
    if len(videos) < 2:
        raise MediaError(f"the pseudo-GT split needs at least two clips in {clips_dir}")
    lengths = {v: _frame_count(v) for v in videos}
    train_video = max(videos, key=lambda v: (lengths[v], v.name))
    backgrounds = [b for b in testset.find_backgrounds([Path(images_dir)]) if not b.name.endswith("_fg")]
    if len(backgrounds) < 2:
        raise MediaError(f"the pseudo-GT split needs at least two background images in {images_dir}")
    predictor = OnnxRVMPredictor(Path(weights))
    parts = (
        ("heldout", [v for v in videos if v != train_video], backgrounds[0::2], None),
        ("train", [train_video], backgrounds[1::2], config.max_train_segments),
    )
    split = {
        part: _build_part(out, part, part_videos, bgs, predictor, config, cap, progress)
        for part, part_videos, bgs, cap in parts
    }
    record = {"config": asdict(config), "weights_sha256": sha256_of(Path(weights)), **split}
    path = out / "split.json"
    path.write_text(json.dumps(record, indent=2, sort_keys=True) + "\n")
    return path
