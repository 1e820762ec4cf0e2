"""Evaluate saved predictions, or a model run over every clip of a test set.

A test set is a folder whose clips (found at any depth) are folders ``CLIP/`` holding ``pha/NNNN.png``
(ground-truth alpha), optionally ``fgr/NNNN.png`` (ground-truth foreground) and, to run a model,
``com/NNNN.png`` (the composite fed to it) — the layout :mod:`videomatte.evaluation.testset` writes.
Predictions use the same layout (``CLIP/pha``, optionally ``CLIP/fgr``). Everything is 8-bit: model
outputs are rounded to ``uint8`` before scoring, so a run and its saved PNGs score the same.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator, Protocol as TypingProtocol

import numpy as np

from videomatte.errors import MediaError
from videomatte.evaluation import media
from videomatte.evaluation.protocol import PROTOCOLS, ClipAccumulator, ClipScores, Protocol
from videomatte.evaluation.report import Report

Progress = Callable[[str, int, int], None]  # (clip name, frames done, frames in clip)


@dataclass(frozen=True)
class EvalClip:
    """One clip folder; ``frames`` are the file names of its ``pha/`` frames, in order."""

    name: str
    root: Path
    frames: tuple[str, ...]

    def files(self, kind: str) -> list[Path] | None:
        """Frame files of ``kind`` (``pha``, ``fgr``, ``com``) matching ``frames`` by stem, or None if absent."""
        folder = self.root / kind
        if not folder.is_dir():
            return None
        by_stem = {p.stem: p for p in media.list_frames(folder)}
        missing = [f for f in self.frames if Path(f).stem not in by_stem]
        if missing:
            raise MediaError(f"clip {self.name}: {kind}/ lacks frame {missing[0]} ({len(missing)} missing)")
        return [by_stem[Path(f).stem] for f in self.frames]


def find_clips(root: Path) -> list[EvalClip]:
    """Every folder under ``root`` (itself included, symbolic links followed) that has a non-empty
    ``pha/`` folder, sorted by relative path."""
    root = Path(root)
    if not root.is_dir():
        raise MediaError(f"test-set folder not found: {root}")
    clips, seen = [], set()
    for folder, subfolders, _ in os.walk(root, followlinks=True):
        real = os.path.realpath(folder)
        if real in seen:  # a link loop
            subfolders.clear()
            continue
        seen.add(real)
        subfolders.sort()
        frames = media.list_frames(Path(folder) / "pha") if "pha" in subfolders else []
        if frames:
            clip_root = Path(folder)
            name = clip_root.relative_to(root).as_posix() if clip_root != root else root.name
            clips.append(EvalClip(name, clip_root, tuple(p.name for p in frames)))
    if not clips:
        raise MediaError(f"no clips in {root}: expected CLIP/pha/NNNN.png folders")
    return sorted(clips, key=lambda c: c.name)


def _chunks(count: int, size: int) -> Iterator[slice]:
    for start in range(0, count, size):
        yield slice(start, min(start + size, count))


def _read_stack(files: list[Path], reader: Callable[[Path], np.ndarray]) -> np.ndarray:
    arrays = [reader(p) for p in files]
    shapes = {a.shape for a in arrays}
    if len(shapes) != 1:
        raise MediaError(f"frames of different sizes in {files[0].parent}: {sorted(shapes)}")
    return np.stack(arrays)


def _check_same_size(pred: np.ndarray, true: np.ndarray, clip: str) -> None:
    if pred.shape != true.shape:
        raise MediaError(f"clip {clip}: prediction size {pred.shape[1:3]} differs from ground truth {true.shape[1:3]}")


def evaluate_predictions(
    pred_root: Path, truth_root: Path, protocol: Protocol = PROTOCOLS["lr"], chunk: int = 16
) -> Report:
    """Score saved predictions against ground truth; clips and frames are matched by relative path and
    file stem. Foreground metrics are computed for clips where both sides have ``fgr/``."""
    truth_clips = find_clips(truth_root)
    scores = []
    for clip in truth_clips:
        pred_clip = EvalClip(clip.name, Path(pred_root) / clip.root.relative_to(truth_root), clip.frames)
        pred_pha = pred_clip.files("pha")
        if pred_pha is None:
            raise MediaError(f"no predictions for clip {clip.name}: {pred_clip.root / 'pha'} is missing")
        true_pha, true_fgr, pred_fgr = clip.files("pha"), clip.files("fgr"), pred_clip.files("fgr")
        with_fgr = true_fgr is not None and pred_fgr is not None
        acc = ClipAccumulator(clip.name, protocol)
        for part in _chunks(len(clip.frames), chunk):
            p, t = _read_stack(pred_pha[part], media.read_gray), _read_stack(true_pha[part], media.read_gray)
            _check_same_size(p, t, clip.name)
            fp = _read_stack(pred_fgr[part], media.read_rgb) if with_fgr else None
            ft = _read_stack(true_fgr[part], media.read_rgb) if with_fgr else None
            if with_fgr:
                _check_same_size(fp, ft, clip.name)
            acc.update(p, t, fp, ft)
        scores.append(acc.result())
    return Report(protocol, scores, {"pred": str(pred_root), "truth": str(truth_root)})


class Predictor(TypingProtocol):
    """What :func:`evaluate_model` runs: a stateful matting model over uint8 RGB frames."""

    def reset(self) -> None:
        """Forget the recurrent state (start of a clip)."""

    def step(self, frames: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        """``uint8 [T, H, W, 3]`` -> (alpha ``float [T, H, W]`` in [0, 1], foreground
        ``float [T, H, W, 3]`` in [0, 1] or None when the model predicts none)."""


def evaluate_model(
    predictor: Predictor,
    data_root: Path,
    protocol: Protocol = PROTOCOLS["lr"],
    *,
    no_state: bool = False,
    chunk: int = 8,
    save_pred: Path | None = None,
    progress: Progress | None = None,
) -> Report:
    """Run ``predictor`` over every clip's ``com/`` frames (state reset at each clip start, or before
    every frame with ``no_state``) and score it; optionally save its outputs as ``save_pred/CLIP/{pha,fgr}``."""
    scores = [
        _run_clip(predictor, clip, protocol, no_state, chunk, save_pred, progress) for clip in find_clips(data_root)
    ]
    return Report(protocol, scores, {"data": str(data_root), "no_state": no_state})


def _run_clip(
    predictor: Predictor,
    clip: EvalClip,
    protocol: Protocol,
    no_state: bool,
    chunk: int,
    save_pred: Path | None,
    progress: Progress | None,
) -> ClipScores:
    com = clip.files("com")
    if com is None:
        raise MediaError(f"clip {clip.name} has no com/ folder (the composite frames to run the model on)")
    true_pha, true_fgr = clip.files("pha"), clip.files("fgr")
    acc = ClipAccumulator(clip.name, protocol)
    predictor.reset()
    for part in _chunks(len(clip.frames), 1 if no_state else chunk):
        if no_state:
            predictor.reset()
        src = _read_stack(com[part], media.read_rgb)
        pha, fgr = predictor.step(src)
        pred_pha, pred_fgr = media.to_uint8(pha), None if fgr is None else media.to_uint8(fgr)
        t = _read_stack(true_pha[part], media.read_gray)
        _check_same_size(pred_pha, t, clip.name)
        ft = _read_stack(true_fgr[part], media.read_rgb) if true_fgr is not None and pred_fgr is not None else None
        acc.update(pred_pha, t, pred_fgr if ft is not None else None, ft)
        if save_pred is not None:
            _save(save_pred / clip.name, clip.frames[part], pred_pha, pred_fgr)
        if progress is not None:
            progress(clip.name, part.stop, len(clip.frames))
    return acc.result()


def _save(out: Path, names: tuple[str, ...], pha: np.ndarray, fgr: np.ndarray | None) -> None:
    for i, name in enumerate(names):
        stem = Path(name).stem
        media.write_png(out / "pha" / f"{stem}.png", pha[i])
        if fgr is not None:
            media.write_png(out / "fgr" / f"{stem}.png", fgr[i])
