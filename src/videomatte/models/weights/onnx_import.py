"""Convert the authors' ONNX export of the MobileNetV3 model into this network's state_dict.

In that export every convolution followed by BatchNorm has the BatchNorm folded in and its weight and
bias stored under anonymous initializer names, in module order; every other tensor keeps its state_dict
name. A folded pair loads into the unfolded network as the convolution weight plus a BatchNorm with
weight 1, bias = the folded bias, running mean 0 and running variance ``1 - eps``, so that the
normalisation divides by exactly ``sqrt(var + eps) = 1``.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from torch import nn

from videomatte.errors import WeightsError


def _conv_bn_pairs(model: nn.Module) -> list[tuple[str, str, nn.BatchNorm2d]]:
    """``(conv name, bn name, bn module)`` for each convolution directly followed by a BatchNorm."""
    pairs = []
    previous: tuple[str, nn.Module] | None = None
    for name, module in model.named_modules():
        if isinstance(module, nn.BatchNorm2d) and previous and isinstance(previous[1], nn.Conv2d):
            pairs.append((previous[0], name, module))
        if isinstance(module, (nn.Conv2d, nn.BatchNorm2d)):
            previous = (name, module)
    return pairs


def _read_initializers(path: Path) -> dict[str, np.ndarray]:
    try:
        import onnx
        from onnx import numpy_helper

        graph = onnx.load(str(path)).graph
    except Exception as err:  # onnx raises DecodeError, OSError, ValueError... for bad files
        raise WeightsError(f"{path}: not a readable ONNX model ({type(err).__name__}: {err})") from None
    return {init.name: numpy_helper.to_array(init) for init in graph.initializer}


def state_dict_from_onnx(path: str | Path, model: nn.Module) -> dict[str, torch.Tensor]:
    """Build a state_dict for ``model`` from the official ONNX export at ``path``.

    Keys the export lacks (``project_seg.*``) are absent from the result. Raises ``WeightsError`` when
    the file is not that export.
    """
    path = Path(path)
    inits = _read_initializers(path)
    target = model.state_dict()
    anonymous = [name for name in inits if name.isdigit()]
    anonymous.sort(key=int)
    pairs = _conv_bn_pairs(model)
    if len(anonymous) < 2 * len(pairs):
        raise WeightsError(
            f"{path}: expected {len(pairs)} folded convolution/BatchNorm pairs, found {len(anonymous) // 2}"
        )
    state: dict[str, torch.Tensor] = {}
    for index, (conv_name, bn_name, bn) in enumerate(pairs):
        weight, bias = inits[anonymous[2 * index]], inits[anonymous[2 * index + 1]]
        _check_shape(path, f"{conv_name}.weight", weight, target)
        channels = weight.shape[0]
        state[f"{conv_name}.weight"] = torch.from_numpy(weight.copy())
        state[f"{bn_name}.weight"] = torch.ones(channels)
        state[f"{bn_name}.bias"] = torch.from_numpy(bias.copy())
        state[f"{bn_name}.running_mean"] = torch.zeros(channels)
        state[f"{bn_name}.running_var"] = torch.full((channels,), 1.0 - bn.eps)
    for name, array in inits.items():
        if name in target:
            _check_shape(path, name, array, target)
            state[name] = torch.from_numpy(array.copy())
    return state


def _check_shape(path: Path, key: str, array: np.ndarray, target: dict[str, torch.Tensor]) -> None:
    if key not in target or tuple(target[key].shape) != tuple(array.shape):
        expected = tuple(target[key].shape) if key in target else "no such key"
        raise WeightsError(f"{path}: tensor for {key} has shape {tuple(array.shape)}, expected {expected}")
