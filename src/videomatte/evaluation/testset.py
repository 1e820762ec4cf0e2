"""Seeded composition of VideoMatte-style evaluation clips.

Inputs follow the public dataset layouts:

* video mattes (VideoMatte240K): ``ROOT/fgr/CLIP/FRAME.jpg|png`` and ``ROOT/pha/CLIP/FRAME.jpg|png``;
* image mattes (D646 / AIM as used by RVM): ``ROOT/fgr/NAME.ext`` and ``ROOT/pha/NAME.ext``;
* backgrounds: images, video files, or folders of frames.

Each output clip is ``OUT/CLIP/{com,fgr,pha,bgr}/NNNN.png`` (8-bit PNG), where ``com`` is
``uint8(fgr * a + bgr * (1 - a))`` with truncation as in the original generators, plus ``OUT/manifest.json``.
Every random choice comes from ``numpy.random.default_rng([seed, clip_index])``, so the same plan and
seed give byte-identical files, and a clip does not depend on which other clips are composed.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Iterator, Sequence

import numpy as np
from PIL import Image

from videomatte.errors import MediaError
from videomatte.evaluation import media, motion
from videomatte.io.files import is_image, is_video, list_folders, natural_sorted

BG_MOTIONS = ("static", "pan", "video")


@dataclass(frozen=True)
class ForegroundClip:
    """A foreground sequence: ``fgr`` and ``pha`` frame files of equal length (one file for a still)."""

    name: str
    fgr: tuple[Path, ...]
    pha: tuple[Path, ...]

    @property
    def still(self) -> bool:
        return len(self.fgr) == 1


@dataclass(frozen=True)
class BackgroundSource:
    """A background image (``kind="image"``) or a video file / frame folder (``kind="video"``)."""

    name: str
    path: Path
    kind: str


@dataclass(frozen=True)
class ComposeConfig:
    """Output size ``(W, H)``, frames per clip, and the seed from which every clip's randomness derives."""

    size: tuple[int, int] = (512, 288)
    frames: int = 100
    seed: int = 10


@dataclass(frozen=True)
class ClipPlan:
    """One output clip: which foreground over which background, how the background moves, mirrored or not."""

    name: str
    foreground: ForegroundClip
    background: BackgroundSource
    bg_motion: str
    flip: bool = False


def videomatte_clips(root: Path) -> list[ForegroundClip]:
    """The clips of a VideoMatte240K-layout folder (``fgr/CLIP/*``, ``pha/CLIP/*``), in natural order."""
    fgr_root, pha_root = Path(root) / "fgr", Path(root) / "pha"
    if not fgr_root.is_dir() or not pha_root.is_dir():
        raise MediaError(f"{root} needs the VideoMatte240K layout: fgr/CLIP/FRAME and pha/CLIP/FRAME")
    clips = []
    for clip_dir in list_folders(fgr_root):
        fgr = media.list_frames(clip_dir)
        pha = media.list_frames(pha_root / clip_dir.name)
        if [p.stem for p in fgr] != [p.stem for p in pha] or not fgr:
            raise MediaError(f"clip {clip_dir.name}: fgr and pha frames differ or are missing")
        clips.append(ForegroundClip(clip_dir.name, tuple(fgr), tuple(pha)))
    return clips


def image_mattes(root: Path) -> list[ForegroundClip]:
    """The still mattes of a D646/AIM-layout folder (``fgr/NAME.ext``, ``pha/NAME.ext``, matched by stem)."""
    fgr_files = {p.stem: p for p in media.list_frames(Path(root) / "fgr")}
    pha_files = {p.stem: p for p in media.list_frames(Path(root) / "pha")}
    if set(fgr_files) != set(pha_files) or not fgr_files:
        raise MediaError(f"{root}: fgr/ and pha/ must hold images with the same names")
    return [ForegroundClip(stem, (fgr_files[stem],), (pha_files[stem],)) for stem in sorted(fgr_files)]


def find_backgrounds(paths: Sequence[Path]) -> list[BackgroundSource]:
    """Backgrounds from files and folders: a folder of images gives one image background per file, a
    video file or a folder holding only frame folders gives video backgrounds. Sorted by name."""
    found: list[BackgroundSource] = []
    for path in map(Path, paths):
        if path.is_file():
            kind = "video" if is_video(path) else "image"
            found.append(BackgroundSource(path.stem, path, kind))
        elif path.is_dir():
            children = natural_sorted(path.iterdir())
            found += find_backgrounds([c for c in children if c.is_file() and _is_media(c)])
            found += [BackgroundSource(c.name, c, "video") for c in children if c.is_dir()]
        else:
            raise MediaError(f"background not found: {path}")
    return sorted(found, key=lambda b: b.name)


def _is_media(path: Path) -> bool:
    return is_image(path) or is_video(path)


def plan_clips(
    foregrounds: Sequence[ForegroundClip],
    backgrounds: Sequence[BackgroundSource],
    *,
    passes: int | None = 5,
    bg_motion: str = "static",
    seed: int = 10,
) -> list[ClipPlan]:
    """Pair each foreground with ``passes`` backgrounds drawn without replacement (cycling through the
    pool again when ``passes`` exceeds it; all of them, in order, when ``passes`` is None); every other
    pass is mirrored, as in the original generators.

    ``bg_motion`` applies to image backgrounds (``"static"`` or ``"pan"``); video backgrounds always play.
    """
    if bg_motion not in BG_MOTIONS:
        raise ValueError(f"bg_motion must be one of {BG_MOTIONS}, got {bg_motion!r}")
    if not foregrounds or not backgrounds:
        raise MediaError("composition needs at least one foreground and one background")
    rng = np.random.default_rng(seed)
    plans = []
    for fg in foregrounds:
        if passes is None:
            chosen = list(backgrounds)
        else:
            order = rng.permutation(len(backgrounds))
            chosen = [backgrounds[order[i % len(backgrounds)]] for i in range(passes)]
        for index, bg in enumerate(chosen):
            motion_kind = "video" if bg.kind == "video" else bg_motion
            name = f"{fg.name}-{index:02d}-{motion_kind}"
            plans.append(ClipPlan(name, fg, bg, motion_kind, flip=index % 2 == 1))
    return plans


def compose_clip(plan: ClipPlan, out_dir: Path, config: ComposeConfig, index: int) -> int:
    """Write one clip to ``out_dir/{com,fgr,pha,bgr}/NNNN.png``; returns its number of frames.

    A video foreground gives ``min(config.frames, its length)`` frames; a still one ``config.frames``,
    moved by a random affine drift.
    """
    rng = np.random.default_rng([config.seed, index])
    count = config.frames if plan.foreground.still else min(config.frames, len(plan.foreground.fgr))
    fg_frames = _foreground_frames(plan, config, count, rng)
    bg_frames = _background_frames(plan, config, count, rng)
    for t, ((fgr, pha), bgr) in enumerate(zip(fg_frames, bg_frames)):
        a = pha.astype(np.float32)[..., None] / 255.0
        com = (fgr.astype(np.float32) * a + bgr.astype(np.float32) * (1.0 - a)).astype(np.uint8)
        for kind, array in (("com", com), ("fgr", fgr), ("pha", pha), ("bgr", bgr)):
            media.write_png(out_dir / kind / f"{t:04d}.png", array)
    return count


def compose_set(plans: Sequence[ClipPlan], out: Path, config: ComposeConfig) -> Path:
    """Compose every planned clip under ``out`` and write ``out/manifest.json``; returns the manifest path."""
    out = Path(out)
    records = []
    for index, plan in enumerate(plans):
        frames = compose_clip(plan, out / plan.name, config, index)
        records.append(
            {
                "clip": plan.name,
                "foreground": plan.foreground.name,
                "background": plan.background.name,
                "bg_motion": plan.bg_motion,
                "flip": plan.flip,
                "frames": frames,
            }
        )
    manifest = {"config": asdict(config), "clips": records}
    path = out / "manifest.json"
    path.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    return path


def _foreground_frames(
    plan: ClipPlan, config: ComposeConfig, count: int, rng: np.random.Generator
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    fg = plan.foreground
    first = _load_foreground(fg, 0, plan.flip)
    placement = motion.fit_placement(first[0].size, config.size, rng)
    drift = motion.random_drift(rng) if fg.still else None
    for t in range(count):
        fgr, pha = first if (t == 0 or fg.still) else _load_foreground(fg, t, plan.flip)
        fgr, pha = motion.place(fgr, placement, config.size), motion.place(pha, placement, config.size)
        if drift is not None:
            matrix = drift.inverse_at(t / max(count - 1, 1), config.size)
            fgr, pha = motion.warp(fgr, matrix), motion.warp(pha, matrix)
        yield np.asarray(fgr), np.asarray(pha)


def _load_foreground(fg: ForegroundClip, t: int, flip: bool) -> tuple[Image.Image, Image.Image]:
    fgr = Image.fromarray(media.read_rgb(fg.fgr[t]))
    pha = Image.fromarray(media.read_gray(fg.pha[t]))
    if fgr.size != pha.size:
        raise MediaError(f"{fg.name} frame {t}: fgr {fgr.size} and pha {pha.size} differ in size")
    if flip:
        fgr, pha = (im.transpose(Image.Transpose.FLIP_LEFT_RIGHT) for im in (fgr, pha))
    return fgr, pha


def _background_frames(
    plan: ClipPlan, config: ComposeConfig, count: int, rng: np.random.Generator
) -> Iterator[np.ndarray]:
    bg = plan.background
    if bg.kind == "video":
        for frame in _looped_video(bg.path, count):
            yield motion.cover_crop(Image.fromarray(frame), config.size)
        return
    image = Image.fromarray(media.read_rgb(bg.path))
    if plan.bg_motion == "static":
        still = motion.cover_crop(image, config.size)
        for _ in range(count):
            yield still
        return
    pan = motion.random_pan(rng)
    for t in range(count):
        yield pan.frame(image, t / max(count - 1, 1), config.size)


def _looped_video(path: Path, count: int) -> Iterator[np.ndarray]:
    """``count`` frames of a video or frame folder, starting over from frame 0 when it ends."""
    produced = 0
    while produced < count:
        frames = media.iter_video(path, count - produced) if path.is_file() else map(
            media.read_rgb, media.list_frames(path)[: count - produced]
        )
        before = produced
        for frame in frames:
            produced += 1
            yield frame
        if produced == before:
            raise MediaError(f"background video has no frames: {path}")
