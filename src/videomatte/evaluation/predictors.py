"""Models wrapped for :func:`videomatte.evaluation.scoring.evaluate_model`.

Each predictor has ``reset()`` and ``step(frames)``: ``uint8 [T, H, W, 3]`` RGB in, alpha
``float [T, H, W]`` and foreground ``float [T, H, W, 3]`` (or None) in [0, 1] out.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from videomatte.errors import UnknownModelError, WeightsError

BASELINES = ("mediapipe-selfie",)


class SessionPredictor:
    """A :class:`videomatte.inference.session.MattingSession` (the PyTorch network, recurrent state)."""

    def __init__(self, session: Any) -> None:
        self.session = session

    def reset(self) -> None:
        self.session.reset()

    def step(self, frames: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        out = self.session.step(frames)
        pha = out.pha[:, 0].float().cpu().numpy()
        fgr = out.fgr.permute(0, 2, 3, 1).float().cpu().numpy()
        return pha, fgr


def load_session_predictor(
    model: str, weights: str | None, device: str = "auto", ratio: float | None = None,
    refiner: str = "deep_guided_filter",
) -> SessionPredictor:
    """Build the named registry model (``weights``: ``"official"``, a path, or None for random init) in
    the runtime ``create_session`` chooses."""
    from videomatte.inference.factory import create_session
    from videomatte.inference.model_settings import ModelSettings

    settings = ModelSettings(variant=model, weights=weights, refiner=refiner, device=device, downsample_ratio=ratio)
    return SessionPredictor(create_session(settings))


class OnnxRVMPredictor:
    """The official RVM ONNX export run with onnxruntime, one frame at a time with recurrent state.

    Args:
        path: the ``.onnx`` file (inputs ``src, r1i..r4i, downsample_ratio``).
        ratio: downsample ratio, or None for the automatic ratio of each clip's frame size.
    """

    def __init__(self, path: Path, ratio: float | None = None) -> None:
        from videomatte.export.runner import OnnxRunner

        if not Path(path).is_file():
            raise WeightsError(f"ONNX weights not found: {path}")
        self._runner = OnnxRunner(path, quiet=True)
        self.ratio = ratio

    def reset(self) -> None:
        self._runner.reset()

    def step(self, frames: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        from videomatte.models.registry import auto_downsample_ratio

        ratio = self.ratio or auto_downsample_ratio(*frames.shape[1:3])
        phas, fgrs = [], []
        for frame in frames:
            fgr, pha = self._runner.step((frame.astype(np.float32) / 255.0).transpose(2, 0, 1)[None], ratio)
            phas.append(pha[0, 0])
            fgrs.append(fgr[0].transpose(1, 2, 0))
        return np.stack(phas), np.stack(fgrs)


class MediaPipeSelfiePredictor:
    """MediaPipe selfie segmentation (TFLite, via ``ai-edge-litert``): a per-frame person mask used as
    alpha; it predicts no foreground colours, so the input frame is returned as the foreground.

    The frame is resized (aspect not kept) to the model input (256x256, or 256x144 for the landscape
    model) as float RGB in [0, 1]; the mask is resized back bilinearly.
    """

    def __init__(self, path: Path, threads: int = 2) -> None:
        try:
            from ai_edge_litert.interpreter import Interpreter
        except ImportError as err:
            raise WeightsError(
                "the MediaPipe baseline needs ai-edge-litert: pip install 'videomatte[baselines]'"
            ) from err
        if not Path(path).is_file():
            raise WeightsError(f"TFLite model not found: {path}")
        self._interpreter = Interpreter(model_path=str(path), num_threads=threads)
        self._interpreter.allocate_tensors()
        detail = self._interpreter.get_input_details()[0]
        self._input = detail["index"]
        self._in_h, self._in_w = int(detail["shape"][1]), int(detail["shape"][2])
        self._output = self._interpreter.get_output_details()[0]["index"]

    def reset(self) -> None:
        """Stateless: nothing to forget."""

    def step(self, frames: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        from PIL import Image

        masks = []
        for frame in frames:
            image = Image.fromarray(frame).resize((self._in_w, self._in_h), Image.Resampling.BILINEAR)
            self._interpreter.set_tensor(self._input, (np.asarray(image, np.float32) / 255.0)[None])
            self._interpreter.invoke()
            mask = self._interpreter.get_tensor(self._output)[0, :, :, 0].astype(np.float32)
            back = Image.fromarray(mask, mode="F").resize((frame.shape[1], frame.shape[0]), Image.Resampling.BILINEAR)
            masks.append(np.clip(np.asarray(back), 0.0, 1.0))
        return np.stack(masks), frames.astype(np.float32) / 255.0


def load_predictor(model: str, weights: str | None, *, device: str = "auto", ratio: float | None = None,
                   refiner: str = "deep_guided_filter") -> Any:
    """A predictor by name: a registry model (``weights``: ``"official"``, a path, or None), ``onnx``
    (``weights`` = the official .onnx file), or ``mediapipe-selfie`` (``weights`` = a selfie .tflite file)."""
    if model in BASELINES or model == "onnx":
        if weights in (None, "official"):
            wanted = "selfie_segmentation.tflite" if model in BASELINES else "rvm_mobilenetv3_fp32.onnx"
            raise WeightsError(f"--model {model} needs --weights PATH to {wanted}")
        if model == "onnx":
            return OnnxRVMPredictor(Path(weights), ratio)
        return MediaPipeSelfiePredictor(Path(weights))
    from videomatte.models import registry

    if model not in registry.available_models(include_unreleased=True):
        choices = ", ".join([*registry.available_models(include_unreleased=True), "onnx", *BASELINES])
        raise UnknownModelError(f"unknown model {model!r}; choose from {choices}")
    return load_session_predictor(model, weights, device, ratio, refiner)
