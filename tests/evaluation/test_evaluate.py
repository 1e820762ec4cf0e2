"""Scoring saved predictions and running a predictor over a test set, through the API and the CLI."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from evaluation_data import disc_matte, write_clip
from videomatte.cli.main import main
from videomatte.errors import MediaError
from videomatte.evaluation import media
from videomatte.evaluation.scoring import evaluate_model, evaluate_predictions, find_clips

ALL_METRICS = {"mad", "mse", "grad", "conn", "dtssd", "fgr_mad", "fgr_mse"}


def clip_arrays(frames: int = 4, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    phas = np.stack([disc_matte(18, 32, 10 + 2 * t, 9, 6) for t in range(frames)])
    fgrs = np.random.default_rng(seed).integers(20, 200, (frames, 18, 32, 3), dtype=np.uint8)
    return phas, fgrs


@pytest.fixture
def truth(tmp_path: Path) -> Path:
    root = tmp_path / "truth"
    for i, clip in enumerate(("static/a", "motion/b")):
        write_clip(root, clip, *clip_arrays(seed=i), com=True)
    return root


def offset_predictions(truth: Path, out: Path, offset: int) -> Path:
    """Predictions = truth + ``offset`` levels in alpha (clipped) and foreground."""
    for clip in find_clips(truth):
        phas = np.stack([media.read_gray(p) for p in clip.files("pha")])
        fgrs = np.stack([media.read_rgb(p) for p in clip.files("fgr")])
        write_clip(out, clip.name, np.clip(phas.astype(int) + offset, 0, 255).astype(np.uint8), fgrs + offset)
    return out


def test_finds_nested_clips(truth: Path) -> None:
    assert [c.name for c in find_clips(truth)] == ["motion/b", "static/a"]
    assert len(find_clips(truth)[0].frames) == 4


def test_predictions_equal_to_truth_score_zero(truth: Path) -> None:
    report = evaluate_predictions(truth, truth)
    assert set(report.overall()) == ALL_METRICS
    assert all(v == 0.0 for v in report.overall().values())


def test_foreground_offset_gives_known_fgr_error(truth: Path, tmp_path: Path) -> None:
    # Foregrounds are 20..199, so +10 never clips: fgr MAD = 10/255 * 1e3, fgr MSE = (10/255)^2 * 1e3.
    report = evaluate_predictions(offset_predictions(truth, tmp_path / "pred", 10), truth)
    total = report.overall()
    assert total["fgr_mad"] == pytest.approx(10 / 255 * 1e3)
    assert total["fgr_mse"] == pytest.approx((10 / 255) ** 2 * 1e3)
    assert total["mad"] > 0 and total["dtssd"] >= 0


def test_missing_predictions_raise_one_clear_error(truth: Path, tmp_path: Path) -> None:
    pred = offset_predictions(truth, tmp_path / "pred", 0)
    (pred / "motion" / "b" / "pha" / "0002.png").unlink()
    with pytest.raises(MediaError, match=r"clip motion/b: pha/ lacks frame 0002.png"):
        evaluate_predictions(pred, truth)
    (tmp_path / "empty").mkdir()
    with pytest.raises(MediaError, match="no clips"):
        evaluate_predictions(pred, tmp_path / "empty")


class CountingPredictor:
    """Predicts alpha 0.5 everywhere and the input as foreground; counts resets."""

    def __init__(self) -> None:
        self.resets = 0
        self.calls: list[int] = []

    def reset(self) -> None:
        self.resets += 1

    def step(self, frames: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        self.calls.append(len(frames))
        return np.full(frames.shape[:3], 0.5), frames / 255.0


def test_model_run_resets_per_clip_or_per_frame(truth: Path, tmp_path: Path) -> None:
    stateful = CountingPredictor()
    report = evaluate_model(stateful, truth, chunk=3, save_pred=tmp_path / "saved")
    assert stateful.resets == 2 and stateful.calls == [3, 1, 3, 1]
    stateless = CountingPredictor()
    evaluate_model(stateless, truth, no_state=True)
    assert stateless.resets == 2 + 8 and stateless.calls == [1] * 8
    # The run scores exactly as its saved 8-bit outputs do (0.5 is saved as 128).
    saved = evaluate_predictions(tmp_path / "saved", truth)
    assert saved.overall() == pytest.approx(report.overall())
    # com = fgr in this set, so the predicted foreground is perfect.
    assert report.overall()["fgr_mad"] == 0.0


def test_cli_pred_truth_writes_json_with_every_metric(truth: Path, tmp_path: Path, capsys) -> None:
    pred = offset_predictions(truth, tmp_path / "pred", 5)
    out = tmp_path / "scores.json"
    assert main(["evaluate", "--pred", str(pred), "--truth", str(truth), "--json", str(out),
                 "--csv", str(tmp_path / "scores.csv")]) == 0
    doc = json.loads(out.read_text())
    assert ALL_METRICS <= set(doc["overall"])
    for clip in ("static/a", "motion/b"):
        assert ALL_METRICS <= set(doc["clips"][clip])
    assert doc["protocol"]["dtssd_first_frame"] == "zero"
    assert "overall" in capsys.readouterr().out
    assert (tmp_path / "scores.csv").read_text().splitlines()[-1].startswith("overall,8,")


@pytest.mark.parametrize(
    "argv, message",
    [
        (["evaluate"], "choose one of --data"),
        (["evaluate", "--pred", "x"], "--pred needs --truth"),
        (["evaluate", "--pred", "{tmp}/nope", "--truth", "{tmp}/nope"], "test-set folder not found"),
        (["evaluate", "--pred", "{tmp}", "--truth", "{truth}", "--metrics", "mad,sad"], "unknown metric"),
        (["evaluate", "--compose", "{tmp}/o"], "--compose needs --foregrounds and --backgrounds"),
        (["evaluate", "--data", "{truth}", "--model", "mediapipe-selfie"], "needs --weights PATH"),
    ],
)
def test_cli_errors_are_one_line(argv: list[str], message: str, truth: Path, tmp_path: Path, capsys) -> None:
    argv = [a.format(tmp=tmp_path, truth=truth) for a in argv]
    assert main(argv) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("videomatte: error:") and message in err and "\n" not in err


def test_cli_compose_builds_a_set(videomatte_root: Path, backgrounds_root: Path, tmp_path: Path) -> None:
    out = tmp_path / "set"
    assert main(["evaluate", "--compose", str(out), "--foregrounds", str(videomatte_root), "--backgrounds",
                 str(backgrounds_root), "--size", "32x18", "--frames", "3", "--passes", "1"]) == 0
    assert [c.name for c in find_clips(out)] == ["0000-00-static", "0001-00-static"]


def test_symlinked_clip_folders_are_found(truth: Path, tmp_path: Path) -> None:
    linked = tmp_path / "linked"
    linked.mkdir()
    (linked / "only_b").symlink_to(truth / "motion" / "b", target_is_directory=True)
    assert [c.name for c in find_clips(linked)] == ["only_b"]
