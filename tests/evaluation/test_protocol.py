"""Chunked accumulation over a clip and averaging over clips, and the report formats."""
from __future__ import annotations

import json

import numpy as np
import pytest

from videomatte.evaluation import metrics as m
from videomatte.evaluation.protocol import PROTOCOLS, ClipAccumulator, ClipScores, Protocol, overall
from videomatte.evaluation.report import Report


def _clip(seed: int, frames: int = 7) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(seed)
    t = rng.integers(0, 256, (frames, 12, 16), dtype=np.uint8)
    p = rng.integers(0, 256, (frames, 12, 16), dtype=np.uint8)
    ft = rng.integers(0, 256, (frames, 12, 16, 3), dtype=np.uint8)
    fp = rng.integers(0, 256, (frames, 12, 16, 3), dtype=np.uint8)
    return p, t, fp, ft


@pytest.mark.parametrize("chunk", [1, 3, 7])
def test_chunking_does_not_change_scores(chunk: int) -> None:
    p, t, fp, ft = _clip(0)
    acc = ClipAccumulator("c", PROTOCOLS["lr"])
    for s in range(0, len(p), chunk):
        acc.update(p[s : s + chunk], t[s : s + chunk], fp[s : s + chunk], ft[s : s + chunk])
    scores = acc.result()
    np.testing.assert_allclose(scores.values["dtssd"], m.dtssd_sequence(p, t, "zero"))
    np.testing.assert_allclose(scores.values["conn"], m.conn(p, t))
    np.testing.assert_allclose(scores.values["fgr_mad"], m.fgr_mad(fp, ft, t))
    assert scores.frames == 7


def test_dtssd_first_frame_conventions_change_the_clip_mean() -> None:
    # Per-frame dtSSD [0, 5, 5, 5]: "zero" averages to 3.75, "skip" to 5.
    t = np.full((4, 8, 8), 0.5)
    p = t.copy()
    p[1::2, :4, :4] += 0.1
    for convention, expected in (("zero", 3.75), ("skip", 5.0)):
        acc = ClipAccumulator("c", Protocol(metrics=("dtssd",), dtssd_first_frame=convention))
        acc.update(p, t)
        assert acc.result().mean("dtssd") == pytest.approx(expected)


def test_overall_averages_per_frame_index_then_over_indices() -> None:
    # Clip a: MAD [10, 20]; clip b: MAD [30]. Index 0 -> 20, index 1 -> 20; overall 20
    # (a plain mean of the three frames would also be 20, so use unequal values: b = [50] -> 30, 20 -> 25).
    a = ClipScores("a", {"mad": np.array([10.0, 20.0])}, {"mad": np.array([True, True])})
    b = ClipScores("b", {"mad": np.array([50.0])}, {"mad": np.array([True])})
    assert overall([a, b])["mad"] == pytest.approx(25.0)


def test_frames_without_foreground_do_not_count_for_fgr_metrics() -> None:
    t = np.zeros((2, 4, 4))
    t[1, :2] = 1.0
    fp, ft = np.full((2, 4, 4, 3), 0.3), np.zeros((2, 4, 4, 3))
    acc = ClipAccumulator("c", Protocol(metrics=("fgr_mad",)))
    acc.update(t, t, fp, ft)
    scores = acc.result()
    assert scores.valid["fgr_mad"].tolist() == [False, True]
    assert scores.mean("fgr_mad") == pytest.approx(300.0)
    assert np.isfinite(overall([scores])["fgr_mad"])


def test_unknown_metric_and_convention_are_rejected() -> None:
    with pytest.raises(ValueError, match="unknown metric"):
        Protocol(metrics=("mad", "sad"))
    with pytest.raises(ValueError, match="dtssd_first_frame"):
        Protocol(dtssd_first_frame="first")


def test_report_formats_hold_every_metric() -> None:
    clips = []
    for seed, name in ((1, "x"), (2, "y")):
        acc = ClipAccumulator(name)
        acc.update(*_clip(seed))
        clips.append(acc.result())
    report = Report(PROTOCOLS["lr"], clips)
    doc = json.loads(json.dumps(report.to_dict()))
    keys = {"mad", "mse", "grad", "conn", "dtssd", "fgr_mad", "fgr_mse"}
    assert keys <= set(doc["overall"]) and keys <= set(doc["clips"]["x"])
    lines = report.to_csv().splitlines()
    assert lines[0] == "clip,frames,mad,mse,grad,conn,dtssd,fgr_mad,fgr_mse"
    assert lines[-1].startswith("overall,14,")
    assert "overall" in report.to_table()
