"""A seeded test set for subject selection whose truth needs no annotation.

Two people matted by the official model (foreground and alpha of each, from single-person clips) are
composited side by side over a background and moved so that they walk apart, together, overlap and
separate (crossing to the other side or going back). Each person keeps their own alpha as truth.

Output under ``OUT``::

    source/{fgr,pha}/SEGMENT/NNNN.png      the two matted people (VideoMatte240K layout)
    CLIP/com/NNNN.png                      both people over the background
    CLIP/pha_a, pha_b/NNNN.png             what is visible of each (the truth when selecting them)
    CLIP/full_a, full_b/NNNN.png           each person's whole alpha
    CLIP/solo_a, solo_b/NNNN.png           each person alone over the same background
    manifest.json                          per clip: background, who is in front, crossing or not,
                                           a point on each person in frame 0, overlap flags per frame

The second person is mirrored and recoloured (RGB channels rotated), so that two clips of one person
(the shared data has a single one-person subject, in two clips) give two people who look different.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable, Sequence

import numpy as np
from PIL import Image
from scipy import ndimage

from videomatte.errors import MediaError
from videomatte.evaluation import media, motion, pseudo_gt, testset
from videomatte.evaluation.predictors import OnnxRVMPredictor

# Centre distance (fractions of the width) of the two people at key moments (fractions of the clip).
APART, CLOSE = 0.6, 0.22
KEYS = (0.0, 0.15, 0.35, 0.5, 1.0)


@dataclass(frozen=True)
class SubjectSetConfig:
    """Output size ``(W, H)``, frames per clip, number of clips, seed."""

    size: tuple[int, int] = (512, 288)
    frames: int = 100
    clips: int = 4
    seed: int = 16


def single_person_clips(clips_dir: Path, predictor: OnnxRVMPredictor) -> list[Path]:
    """The videos of ``clips_dir`` whose first frame's matte holds exactly one person region."""
    from videomatte.subject.regions import person_regions, split_side_by_side

    found = []
    for video in pseudo_gt._video_files(Path(clips_dir)):
        frame = next(media.iter_video(video, 1))
        predictor.reset()
        alpha = predictor.step(frame[None])[0][0]
        small = np.asarray(Image.fromarray(alpha).resize((alpha.shape[1] // 4, alpha.shape[0] // 4)))
        labels, count = person_regions(small, 0.1, small.size // 500)
        if sum(len(split_side_by_side(labels == k)) for k in range(1, count + 1)) == 1:
            found.append(video)
    return found


def distance_at(t: float, crossing: bool) -> float:
    """Signed centre distance (B minus A, fractions of the width) at clip time ``t`` in 0..1."""
    values = (APART, APART, CLOSE, 0.0, -APART if crossing else APART)
    return float(np.interp(t, KEYS, values))


def _person(fg: testset.ForegroundClip, t: int, recolour: bool) -> tuple[Image.Image, Image.Image]:
    """Frame ``t`` (ping-pong past the end) of a matted person as PIL images (RGB, L)."""
    period = max(1, 2 * len(fg.fgr) - 2)
    index = t % period if len(fg.fgr) > 1 else 0
    index = index if index < len(fg.fgr) else period - index
    fgr, pha = Image.open(fg.fgr[index]).convert("RGB"), Image.open(fg.pha[index]).convert("L")
    if recolour:
        fgr = Image.fromarray(np.roll(np.asarray(fgr), 1, axis=2)).transpose(Image.Transpose.FLIP_LEFT_RIGHT)
        pha = pha.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    return fgr, pha


def _layer(fgr: Image.Image, pha: Image.Image, height: float, centre: float,
           size: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """A person scaled to ``height`` x the frame height, bottom-aligned with its centre at ``centre``
    x the width; returns colour ``float32 [H, W, 3]`` in 0..255 and alpha ``float32 [H, W]`` in 0..1."""
    w_out, h_out = size
    h = max(1, round(height * h_out))
    w = max(1, round(fgr.width * h / fgr.height))
    offset = (round(centre * w_out - w / 2), h_out - h)
    canvas_f, canvas_a = Image.new("RGB", size), Image.new("L", size, 0)
    canvas_f.paste(fgr.resize((w, h), Image.Resampling.BILINEAR), offset)
    canvas_a.paste(pha.resize((w, h), Image.Resampling.BILINEAR), offset)
    return np.asarray(canvas_f, np.float32), np.asarray(canvas_a, np.float32) / 255.0


def _over(fgr: np.ndarray, alpha: np.ndarray, under: np.ndarray) -> np.ndarray:
    return fgr * alpha[..., None] + under * (1.0 - alpha[..., None])


def _interior_point(alpha: np.ndarray) -> list[int]:
    """The pixel ``[x, y]`` deepest inside ``alpha > 0.5`` (a safe point to click on)."""
    depth = ndimage.distance_transform_edt(alpha > 0.5)
    y, x = np.unravel_index(int(np.argmax(depth)), depth.shape)
    return [int(x), int(y)]


def compose_subject_clip(people: Sequence[testset.ForegroundClip], background: np.ndarray, out: Path,
                         config: SubjectSetConfig, rng: np.random.Generator) -> dict:
    """Write one clip (see the module docstring) and return its manifest record."""
    crossing, a_in_front = bool(rng.random() < 0.5), bool(rng.random() < 0.5)
    heights = (float(rng.uniform(0.85, 0.97)), float(rng.uniform(0.8, 0.95)))
    drift = float(rng.uniform(-0.05, 0.05))
    overlap, points = [], {}
    for t in range(config.frames):
        time = t / max(config.frames - 1, 1)
        middle, gap = 0.5 + drift * np.sin(np.pi * time), distance_at(time, crossing)
        layers = [_layer(*_person(fg, t, recolour=i == 1), heights[i], middle + (i - 0.5) * gap, config.size)
                  for i, fg in enumerate(people)]
        (fa, a), (fb, b) = layers
        front, back = (a, b) if a_in_front else (b, a)
        visible = {"a": a if a_in_front else a * (1 - b), "b": b * (1 - a) if a_in_front else b}
        front_layer, back_layer = (layers[0], layers[1]) if a_in_front else (layers[1], layers[0])
        images = {"com": _over(*front_layer, _over(*back_layer, background)),
                  "solo_a": _over(fa, a, background), "solo_b": _over(fb, b, background),
                  "pha_a": visible["a"] * 255, "pha_b": visible["b"] * 255, "full_a": a * 255, "full_b": b * 255}
        for kind, image in images.items():
            media.write_png(out / kind / f"{t:04d}.png", np.clip(np.round(image), 0, 255).astype(np.uint8))
        touching = ndimage.binary_dilation(front > 0.05, iterations=3) & (back > 0.05)
        overlap.append(bool(touching.any()))
        if t == 0:
            points = {"a": _interior_point(a), "b": _interior_point(b)}
    return {"crossing": crossing, "front": "a" if a_in_front else "b", "points": points,
            "overlap": overlap, "frames": config.frames}


def build_subject_set(out: Path, clips_dir: Path, images_dir: Path, weights: Path,
                      config: SubjectSetConfig = SubjectSetConfig(),
                      progress: Callable[[str], None] | None = None,
                      people: Sequence[Path] | None = None) -> Path:
    """Build the set under ``out``; returns the path of its ``manifest.json``.

    ``people``: the two single-person videos to use (default: the first two of ``clips_dir`` whose
    first frame shows one person).
    """
    out, say = Path(out), progress or (lambda message: None)
    predictor = OnnxRVMPredictor(Path(weights))
    videos = list(people)[:2] if people is not None else single_person_clips(Path(clips_dir), predictor)[:2]
    if len(videos) < 2:
        raise MediaError(f"the subject set needs two single-person clips in {clips_dir}, found {len(videos)}")
    backgrounds = [b for b in testset.find_backgrounds([Path(images_dir)]) if not b.name.endswith("_fg")]
    if not backgrounds:
        raise MediaError(f"no background images in {images_dir}")
    matting = pseudo_gt.PseudoGTConfig(config.size, config.frames, config.seed)
    names = []
    for video in videos:
        say(f"matting {video.name} with the official weights")
        names += pseudo_gt.matte_segments(video, predictor, out / "source", matting, max_segments=1)
    sources = {c.name: c for c in testset.videomatte_clips(out / "source")}
    people = [sources[name] for name in names]
    records = []
    for index in range(config.clips):
        rng = np.random.default_rng([config.seed, index])
        background = backgrounds[int(rng.integers(len(backgrounds)))]
        still = motion.cover_crop(Image.fromarray(media.read_rgb(background.path)), config.size)
        name = f"pair_{index:02d}"
        say(f"composing {name} over {background.name}")
        record = compose_subject_clip(people, np.asarray(still, np.float32), out / name, config, rng)
        records.append({"clip": name, "background": background.name, "people": names, **record})
    path = out / "manifest.json"
    path.write_text(json.dumps({"config": asdict(config), "clips": records}, indent=2) + "\n")
    return path
