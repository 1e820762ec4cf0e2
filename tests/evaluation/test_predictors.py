"""The model wrappers the evaluator runs: the PyTorch session, the official ONNX file, MediaPipe."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from evaluation_data import shared, write_clip
from videomatte.cli.main import main
from videomatte.errors import UnknownModelError, VideoMatteError
from videomatte.evaluation.predictors import MediaPipeSelfiePredictor, OnnxRVMPredictor, load_predictor


def frames(count: int = 2, h: int = 64, w: int = 96) -> np.ndarray:
    rng = np.random.default_rng(0)
    base = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
    return np.stack([np.roll(base, 3 * t, axis=1) for t in range(count)])


def check_outputs(pha: np.ndarray, fgr: np.ndarray | None, src: np.ndarray) -> None:
    assert pha.shape == src.shape[:3] and pha.min() >= 0 and pha.max() <= 1
    assert fgr is None or (fgr.shape == src.shape and fgr.min() >= 0 and fgr.max() <= 1)


@pytest.mark.slow
def test_random_init_session_runs_through_the_cli(tmp_path: Path) -> None:
    data = tmp_path / "set"
    src = frames(3, 36, 64)
    write_clip(data, "clip", np.full(src.shape[:3], 255, np.uint8), src, com=True)
    out = tmp_path / "scores.json"
    argv = ["evaluate", "--data", str(data), "--model", "mobilenetv3", "--weights", "none", "--device", "cpu",
            "--json", str(out)]
    assert main(argv) == 0
    doc = json.loads(out.read_text())
    assert doc["info"]["model"] == "mobilenetv3" and doc["overall"]["frames"] == 3
    assert {"mad", "dtssd", "fgr_mse"} <= set(doc["overall"])


def test_a_refiner_is_chosen_by_name() -> None:
    predictor = load_predictor("mobilenetv3", None, device="cpu", ratio=0.5, refiner="prm")
    assert predictor.session.model.refiner_name == "prm"
    with pytest.raises(UnknownModelError, match="refiner"):
        load_predictor("mobilenetv3", None, device="cpu", refiner="box")


def test_unknown_model_and_bad_ratio_are_user_errors() -> None:
    with pytest.raises(UnknownModelError, match="choose from"):
        load_predictor("mobilenetv4", None)
    with pytest.raises(VideoMatteError, match="ratio"):
        load_predictor("mobilenetv3", None, device="cpu", ratio=2.0)


@pytest.mark.slow
def test_onnx_predictor_matches_the_pytorch_network_on_official_weights(official_onnx: Path) -> None:
    src = frames(2)
    onnx = OnnxRVMPredictor(official_onnx, ratio=0.5)
    torch_model = load_predictor("mobilenetv3", str(official_onnx), device="cpu", ratio=0.5)
    (pha_a, fgr_a), (pha_b, fgr_b) = onnx.step(src), torch_model.step(src)
    check_outputs(pha_a, fgr_a, src)
    np.testing.assert_allclose(pha_a, pha_b, atol=1e-3)
    np.testing.assert_allclose(fgr_a, fgr_b, atol=1e-3)


def test_mediapipe_baseline_gives_a_mask_and_the_input_as_foreground() -> None:
    pytest.importorskip("ai_edge_litert", reason="the MediaPipe baseline needs ai-edge-litert (extra 'baselines')")
    for name in ("selfie_segmentation.tflite", "selfie_segmentation_landscape.tflite"):
        predictor = MediaPipeSelfiePredictor(shared("baselines", name))
        src = frames(2, 50, 70)
        pha, fgr = predictor.step(src)
        check_outputs(pha, fgr, src)
        np.testing.assert_allclose(fgr, src / 255.0, atol=1e-6)


def test_mediapipe_baseline_finds_the_person_in_a_photo() -> None:
    pytest.importorskip("ai_edge_litert", reason="the MediaPipe baseline needs ai-edge-litert (extra 'baselines')")
    from videomatte.evaluation.media import read_rgb

    image = read_rgb(shared("images", "test_fg.jpg"))[::4, ::4]  # a person; and the same room without
    empty = read_rgb(shared("images", "test_bg.jpg"))[::4, ::4]
    predictor = MediaPipeSelfiePredictor(shared("baselines", "selfie_segmentation.tflite"))
    person, room = predictor.step(np.stack([image, empty]))[0]
    assert person.mean() > 0.05 and person.mean() > 5 * room.mean()
