"""Scores of subject selection on a set from :mod:`videomatte.evaluation.subject_set`.

For every clip and each of its two people: the network mattes the two-person composite, the
:class:`~videomatte.subject.tracker.SubjectTracker` keeps the person clicked on frame 0, and

* ``mad``: mean |selected alpha - that person's visible alpha| x 1e3;
* ``leak``: mean selected alpha over the other person's pixels (their visible alpha > 0.5, ours
  < 0.05) x 1e3;
* ``lost``: frames where under half of the person's alpha is kept; ``swapped``: frames where over
  half of the other person is given alpha (fractions of the frames);
* ``alone_mad``: MAD of the network on that person alone over the same background (its own alpha as
  truth), the reference for ``mad``; ``raw_mad``: the network's alpha without selection;
* ``network_ms`` and ``subject_ms``: time per frame of the network and of the selection.

Every score is given over all frames and over the frames outside the overlap phase.
"""
from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Callable

import numpy as np
import torch

from videomatte.evaluation import media
from videomatte.evaluation.predictors import OnnxRVMPredictor
from videomatte.subject.tracker import SubjectTracker, TrackerSettings
from videomatte.subject.prompt import Point, SubjectPrompt

SCORES = ("mad", "leak", "lost", "swapped", "alone_mad", "raw_mad")


def _frames(folder: Path, gray: bool) -> np.ndarray:
    read = media.read_gray if gray else media.read_rgb
    return np.stack([read(p) for p in media.list_frames(folder)])


def _matte(predictor: OnnxRVMPredictor, frames: np.ndarray) -> tuple[np.ndarray, float]:
    """The network's alpha ``[T, H, W]`` of a clip (fresh state) and its time per frame (ms)."""
    predictor.reset()
    start = time.perf_counter()
    alpha = np.concatenate([predictor.step(frame[None])[0] for frame in frames])
    return alpha, (time.perf_counter() - start) * 1e3 / len(frames)


def select(alpha: np.ndarray, point: tuple[float, float], settings: TrackerSettings,
           frames: np.ndarray | None = None) -> tuple[np.ndarray, float]:
    """The tracker's alpha ``[T, H, W]`` for the person under ``point`` and its time per frame (ms);
    ``frames`` (``uint8 [T, H, W, 3]``, the composite) let it tell the people apart by colour."""
    tracker = SubjectTracker(SubjectPrompt((Point(*point),)), settings)
    start = time.perf_counter()
    out = []
    for index, a in enumerate(alpha):
        src = None if frames is None else torch.from_numpy(frames[index]).permute(2, 0, 1)[None].float() / 255
        out.append(tracker.apply(torch.from_numpy(a)[None, None], src)[0, 0].numpy())
    return np.stack(out), (time.perf_counter() - start) * 1e3 / len(alpha)


def frame_scores(selected: np.ndarray, mine: np.ndarray, other: np.ndarray) -> dict[str, np.ndarray]:
    """Per-frame ``mad``, ``leak`` (x 1e3), ``lost`` and ``swapped`` (0/1); arrays ``[T]`` in 0..1."""
    theirs = (other > 0.5) & (mine < 0.05)
    count = np.maximum(theirs.sum(axis=(1, 2)), 1)
    leak = (selected * theirs).sum(axis=(1, 2)) / count
    kept = (selected * mine).sum(axis=(1, 2)) / np.maximum(mine.sum(axis=(1, 2)), 1e-6)
    visible = mine.sum(axis=(1, 2)) > 0.002 * mine[0].size
    return {"mad": np.abs(selected - mine).mean(axis=(1, 2)) * 1e3, "leak": leak * 1e3,
            "lost": (visible & (kept < 0.5)).astype(float), "swapped": (leak > 0.5).astype(float)}


def score_person(clip: Path, record: dict, person: str, alpha: np.ndarray, predictor: OnnxRVMPredictor,
                 settings: TrackerSettings, frames: np.ndarray | None = None) -> dict:
    """Scores of selecting ``person`` (``"a"`` or ``"b"``) in one clip; see the module docstring."""
    other = "b" if person == "a" else "a"
    mine = _frames(clip / f"pha_{person}", gray=True) / 255.0
    theirs = _frames(clip / f"pha_{other}", gray=True) / 255.0
    selected, subject_ms = select(alpha, tuple(record["points"][person]), settings, frames)
    scores = frame_scores(selected, mine, theirs)
    scores["raw_mad"] = np.abs(alpha - mine).mean(axis=(1, 2)) * 1e3
    alone, _ = _matte(predictor, _frames(clip / f"solo_{person}", gray=False))
    scores["alone_mad"] = np.abs(alone - _frames(clip / f"full_{person}", gray=True) / 255.0).mean(axis=(1, 2)) * 1e3
    apart = ~np.asarray(record["overlap"], bool)
    summary = {"clip": record["clip"], "person": person, "subject_ms": subject_ms}
    for name in SCORES:
        summary[name] = float(scores[name].mean())
        summary[f"{name}_apart"] = float(scores[name][apart].mean())
    return summary


def score_subject_set(root: Path, weights: Path, settings: TrackerSettings = TrackerSettings(),
                      progress: Callable[[str], None] | None = None, clips: list[str] | None = None) -> list[dict]:
    """One summary per clip and person (see :func:`score_person`), plus ``network_ms`` per clip;
    ``clips`` picks some clips by name (default all); ``progress`` gets each row as JSON."""
    root = Path(root)
    manifest = json.loads((root / "manifest.json").read_text())
    predictor = OnnxRVMPredictor(Path(weights))
    rows = []
    records = {r["clip"]: r for r in manifest["clips"]}
    for record in [records[name] for name in clips] if clips else manifest["clips"]:
        clip = root / record["clip"]
        frames = _frames(clip / "com", gray=False)
        alpha, network_ms = _matte(predictor, frames)
        for person in ("a", "b"):
            row = score_person(clip, record, person, alpha, predictor, settings, frames)
            rows.append({**row, "network_ms": network_ms})
            if progress is not None:
                progress(json.dumps({**row, "network_ms": network_ms}))
    return rows


def overall(rows: list[dict]) -> dict[str, float]:
    """Mean of every score over the rows (each clip and person weighs the same)."""
    keys = [k for k in rows[0] if k not in ("clip", "person")]
    return {k: float(np.mean([r[k] for r in rows])) for k in keys}
