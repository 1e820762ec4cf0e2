"""int8 static quantisation of an exported ONNX model for onnxruntime on the CPU.

The convolutions of the encoder and LR-ASPP get int8 weights (per channel) and int8 activations whose
ranges are calibrated on real frames run through the fp32 model in order, with the recurrent state
carried, so that the decoder inputs the calibration sees are the ones a video produces. The ConvGRUs,
the output convolutions and the refiner stay in fp32: alpha is sensitive there and they are cheap.
"""
from __future__ import annotations

from pathlib import Path
from typing import Iterator, Sequence

import numpy as np

from videomatte.errors import ExportError

# Node-name prefixes (from the exporter's module scopes) of the convolutions that get int8; every
# other node (decoder, heads, refiner) keeps fp32.
INT8_SCOPES = ("/backbone/", "/aspp/")


def load_frames(source: str | Path, height: int, width: int, count: int = 24, stride: int = 4) -> np.ndarray:
    """``count`` frames of a video or image sequence, every ``stride``-th, resized to ``height x width``.

    Returns float32 ``[count, 3, H, W]`` in 0..1. Raises ``ExportError`` when ``source`` has no frames.
    """
    import torch
    from torch.nn import functional as F

    from videomatte.io.readers import open_reader

    frames = []
    with open_reader(source) as reader:
        for frame in reader:
            if frame.index % stride == 0:
                image = torch.from_numpy(np.ascontiguousarray(frame.image[..., :3])).permute(2, 0, 1)[None]
                image = image.float() / (65535.0 if frame.image.dtype == np.uint16 else 255.0)
                frames.append(F.interpolate(image, size=(height, width), mode="area")[0].numpy())
            if len(frames) == count:
                break
    if not frames:
        raise ExportError(f"no calibration frames could be read from {source}")
    return np.stack(frames)


def recurrent_feeds(fp32_path: str | Path, frames: np.ndarray, ratio: float | None) -> Iterator[dict[str, np.ndarray]]:
    """Input dicts for consecutive ``frames`` ``[T, 3, H, W]``, states taken from the fp32 model's outputs."""
    from videomatte.export.runner import OnnxRunner

    runner = OnnxRunner(fp32_path)
    for frame in frames:
        feed = runner.feed(frame[None], ratio if ratio is not None else 1.0)
        yield feed
        runner.run(feed)


class _Reader:
    """onnxruntime's ``CalibrationDataReader`` protocol over a list of feeds."""

    def __init__(self, feeds: Sequence[dict[str, np.ndarray]]) -> None:
        self._iter = iter(feeds)

    def get_next(self) -> dict[str, np.ndarray] | None:
        return next(self._iter, None)


def quantize_int8(fp32_path: str | Path, target: str | Path, frames: np.ndarray, ratio: float | None) -> None:
    """Write an int8 (QDQ) copy of the fp32 ONNX model at ``fp32_path`` to ``target``.

    Args:
        fp32_path: an export of this package (its node names carry module scopes).
        target: where to write the quantised model.
        frames: calibration frames ``[T, 3, H, W]`` float32 in 0..1, consecutive, at the model's size.
        ratio: the value fed to a runtime ``downsample_ratio`` input (ignored when it is baked in).
    """
    import onnx
    from onnxruntime.quantization import CalibrationMethod, QuantFormat, QuantType, quantize_static

    model = onnx.load(str(fp32_path))
    keep = [n.name for n in model.graph.node if not n.name.startswith(INT8_SCOPES)]
    feeds = list(recurrent_feeds(fp32_path, frames, ratio))
    quantize_static(
        str(fp32_path), str(target), _Reader(feeds),
        quant_format=QuantFormat.QDQ, activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8,
        per_channel=True, op_types_to_quantize=["Conv"], nodes_to_exclude=keep,
        calibrate_method=CalibrationMethod.MinMax,
        extra_options={"ActivationSymmetric": False, "WeightSymmetric": True},
    )
