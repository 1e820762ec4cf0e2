"""The footage of ``bench_cuts.py``: multi-shot clips with known cuts, and hard motion inside one shot.

Everything is made at 360x640 (width x height, the size of the two person clips): the group clip is
cut to its middle 9:16 and scaled. ``person_short`` is the same scene and person as ``person_walk`` (its
first frame matches walk's), so cuts between the two, or between far apart parts of walk, are jump cuts:
the same place, the same colours. ``group_1920x1080.mp4`` holds a real cut of its own, at frame 65 (a wide
shot of three people to a closer one).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
DATA = REPO.parent / "shared" / "data"
CLIPS = DATA / "clips"
SIZE = (360, 640)  # width, height
GROUP_CUT = 65


def _read(name: str, limit: int | None = None) -> list[np.ndarray]:
    from videomatte.io.readers import read_frames

    return list(read_frames(CLIPS / name, limit))


def _group_crop(picture: np.ndarray, left: int, width: int, top: int = 0, height: int = 1080) -> np.ndarray:
    from PIL import Image

    box = (left, top, left + width, top + height)
    return np.asarray(Image.fromarray(picture).crop(box).resize(SIZE, Image.BILINEAR))


class Footage:
    """The three clips, read once: ``walk`` (388 frames, 30 fps), ``short`` (50, 24 fps), ``group`` (100,
    24 fps, middle crop) at 360x640, and ``group_full`` (the first 60 frames at 1920x1080)."""

    def __init__(self) -> None:
        self.walk = _read("person_walk_360x640.mp4")
        self.short = _read("person_short_360x640.mp4")
        self.group_full = _read("group_1920x1080.mp4")
        self.group = [_group_crop(p, 960 - 304, 608) for p in self.group_full]


def joined(*shots: list[np.ndarray]) -> tuple[list[np.ndarray], list[int], list[tuple[int, int]]]:
    """Shots one after the other: the frames, the cuts (first frames of shots 2..n) and each shot's range."""
    frames: list[np.ndarray] = []
    ranges = []
    for shot in shots:
        ranges.append((len(frames), len(frames) + len(shot)))
        frames.extend(shot)
    return frames, [start for start, _ in ranges[1:]], ranges


def with_cuts(f: Footage) -> dict[str, tuple[list[np.ndarray], list[int]]]:
    """Sequences with real cuts: between different clips, jump cuts inside one place, the group's own."""
    sequences = {
        "walk / group / walk / short": joined(f.walk[0:60], f.group[0:40], f.walk[200:260], f.short[10:50]),
        "3 jump cuts inside walk": joined(f.walk[0:80], f.walk[150:230], f.walk[300:388]),
        "jump cut, walk at 4x speed": joined(f.walk[0:160:4], f.walk[200:388:4]),
        "group clip (its own cut)": (f.group, [GROUP_CUT], None),
    }
    return {name: (frames, cuts) for name, (frames, cuts, _) in sequences.items()}


def jump_pairs(f: Footage, step: int = 20, gap: int = 40, length: int = 10) -> list[list[np.ndarray]]:
    """Jump cuts between every two moments of walk at least ``gap`` frames apart (moments every ``step``
    frames): ``length`` frames from one, then ``length`` from the other (the cut at frame ``length``)."""
    moments = range(0, len(f.walk) - length, step)
    return [f.walk[a:a + length] + f.walk[b:b + length] for a in moments for b in moments if abs(a - b) >= gap]


def hard_motion(f: Footage) -> dict[str, list[np.ndarray]]:
    """Single shots with fast motion: dropped frames, the demo's pan and zoom squeezed, crops panning and
    zooming across the 1080p group picture."""
    from videomatte.io.sample import pan_and_zoom, sample_photo

    photo = sample_photo()
    g = f.group_full
    zoom = [_group_crop(g[i], 656 + int(4.5 * i), 608 - int(9 * i), 8 * i, 1080 - 16 * i) for i in range(30)]
    return {
        "walk, every 2nd frame": f.walk[::2],
        "walk, every 4th frame": f.walk[::4],
        "walk, every 8th frame": f.walk[::8],
        "demo pan and zoom in 1 s": pan_and_zoom(photo, 24, SIZE[::-1]),
        "demo pan and zoom in 0.5 s": pan_and_zoom(photo, 12, SIZE[::-1]),
        "pan across group, 40 px/frame of 1920": [_group_crop(g[i], 40 * i, 608) for i in range(30)],
        "pan across group, 80 px/frame of 1920": [_group_crop(g[i], 80 * i, 608) for i in range(16)],
        "zoom into group, 1.5 %/frame": zoom,
    }


def multi_shot(f: Footage) -> tuple[list[np.ndarray], list[int], list[tuple[int, int]]]:
    """The clip for ghosting: five 30-frame shots (different clips and jump cuts inside walk)."""
    return joined(f.walk[30:60], f.group[0:30], f.walk[200:230], f.short[20:50], f.walk[330:360])
