"""ONNX export with the original's tensor names, valid dynamic axes or static shapes, fp16 and int8.

Every export is written to a temporary file beside the target, checked with ``onnx.checker``, run in
onnxruntime on ten frames with the recurrent state carried and compared with the eager network, and
only then renamed to the target: a failed export never leaves a file behind.
"""
from __future__ import annotations

import contextlib
import copy
import io
import os
import tempfile
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, Optional

import numpy as np
import torch

from videomatte.errors import ExportError
from videomatte.models.geometry import check_ratio
from videomatte.export.checks import CHECK_SIZE, ParityResult, check_parity
from videomatte.export.wrappers import (ONNX_INPUTS, ONNX_OUTPUTS, FixedRatioMatting, OnnxMatting, check_exportable,
                                        zero_states)
from videomatte.models.network import MattingNetwork

DEFAULT_OPSET = 17
MIN_OPSET, MAX_OPSET = 11, 20


@dataclass(frozen=True)
class OnnxSettings:
    """What to export.

    Attributes:
        ratio: bake this downsample ratio into the graph; ``None`` keeps the ``downsample_ratio`` input.
        static: ``(height, width)`` for fixed input shapes (needs ``ratio``); ``None`` for dynamic axes.
        fp16: half-precision weights, frames and states (``downsample_ratio`` stays float32).
        int8: int8 convolutions in the encoder, calibrated on ``calibration`` frames (CPU).
        opset: ONNX opset (11..20).
        calibration: frames ``[T, 3, H, W]`` float32 in 0..1 for ``int8`` (consecutive, for the state).
        stage: ``"front"`` or ``"back"``: one of the two halves of ``videomatte.export.stages`` (needs
            ``static`` and ``ratio``); ``None`` exports the whole network.
    """

    ratio: Optional[float] = None
    static: Optional[tuple[int, int]] = None
    fp16: bool = False
    int8: bool = False
    opset: int = DEFAULT_OPSET
    calibration: Optional[np.ndarray] = field(default=None, compare=False, repr=False)
    stage: Optional[str] = None

    def check(self) -> None:
        """Raise ``ExportError`` for settings that do not fit together."""
        if self.static is not None and self.ratio is None:
            raise ExportError("--static needs --ratio: a static-shape export bakes the downsample ratio in")
        check_ratio(self.ratio, "--ratio", ExportError)
        if self.static is not None and min(self.static) < 16:
            raise ExportError(f"--static size must be at least 16x16, got {self.static[0]}x{self.static[1]}")
        if self.fp16 and self.int8:
            raise ExportError("--fp16 and --quantize int8 exclude each other: pick one precision")
        if not MIN_OPSET <= self.opset <= MAX_OPSET:
            raise ExportError(f"--opset must be between {MIN_OPSET} and {MAX_OPSET}, got {self.opset}")
        if self.int8 and self.calibration is None:
            raise ExportError("--quantize int8 needs calibration frames (--calibration VIDEO)")
        if self.stage is not None and (self.stage not in ("front", "back") or self.static is None or self.int8):
            raise ExportError("a stage (front or back) is exported with static shapes in fp32 or fp16 only")


@dataclass
class ExportReport:
    """What was written and how it compared with the eager network."""

    path: Path
    parity: ParityResult
    notes: list[str] = field(default_factory=list)


def dynamic_axes() -> dict[str, dict[int, str]]:
    """Distinct names for every free dimension: frames share ``batch/height/width`` with their outputs;
    each state has its own (incoming states may be ``[1, 1, 1, 1]`` zeros, so all four axes are free)."""
    frame = {0: "batch", 2: "height", 3: "width"}
    axes: dict[str, dict[int, str]] = {"src": frame, "fgr": frame, "pha": frame}
    for k in range(1, 5):
        axes[f"r{k}i"] = {0: f"r{k}i_batch", 1: f"r{k}i_channels", 2: f"r{k}i_height", 3: f"r{k}i_width"}
        axes[f"r{k}o"] = {0: "batch", 2: f"r{k}_height", 3: f"r{k}_width"}
    return axes


def sample_inputs(net: MattingNetwork, settings: OnnxSettings, dtype: torch.dtype) -> tuple[torch.Tensor, ...]:
    """Example inputs for tracing: a frame, the states, and the ratio when it is an input."""
    height, width = settings.static or CHECK_SIZE
    src = torch.rand(1, 3, height, width, dtype=dtype)
    if settings.static is not None:
        states = zero_states(net, 1, height, width, settings.ratio, dtype)
    else:
        states = [torch.zeros(1, 1, 1, 1, dtype=dtype)] * 4
    ratio = () if settings.ratio is not None else (torch.tensor([0.5], dtype=torch.float32),)
    return (src, *states, *ratio)


def trace_to_onnx(net: MattingNetwork, settings: OnnxSettings, target: Path,
                  rewrites: Optional[frozenset[str]] = None) -> None:
    """Export the wrapper of ``net`` to ``target`` (fp32 or fp16) with the trace-time ``rewrites`` (names
    of ``trace_rewrites.REWRITES``; ``None``: all of them, the blocked upsampling for static shapes
    only), and with shape arithmetic folded away when static (``onnx_graph.fold_static_shapes``)."""
    import onnx

    from videomatte.export.trace_rewrites import REWRITES, TraceRewrites

    dtype = torch.float16 if settings.fp16 else torch.float32
    source = copy.deepcopy(net) if settings.fp16 else net  # the wrapper shares (and would convert) weights
    if rewrites is None:
        rewrites = REWRITES if settings.static is not None else REWRITES - {"block_upsamplings"}
    wrapper, inputs, names, outputs = _traced_module(source, settings, dtype)
    traced = io.BytesIO()  # in memory: the file is written once, when the graph is final
    with quiet_exporter(), torch.no_grad(), TraceRewrites(rewrites):
        torch.onnx.export(wrapper, inputs, traced, input_names=names, output_names=outputs,
                          opset_version=settings.opset, dynamo=False, do_constant_folding=True,
                          dynamic_axes=None if settings.static else {k: v for k, v in dynamic_axes().items()
                                                                      if k in names or k in ONNX_OUTPUTS})
    model = onnx.load_from_string(traced.getvalue())
    if settings.static is None:
        _set_output_dims(model, [3, 1, *getattr(wrapper, "state_channels", [])])
    else:
        from videomatte.export.onnx_graph import fold_static_shapes

        model = fold_static_shapes(model, fold_constants=net.exportable)
    meta = {"videomatte.variant": net.variant, "videomatte.refiner": net.refiner_name,
            "videomatte.downsample_ratio": "input" if settings.ratio is None else repr(settings.ratio),
            "videomatte.precision": "fp16" if settings.fp16 else "fp32"}
    if settings.stage is not None:
        meta["videomatte.stage"] = settings.stage
    onnx.helper.set_model_props(model, meta)
    onnx.save(model, str(target))


def _traced_module(net: MattingNetwork, settings: OnnxSettings,
                   dtype: torch.dtype) -> tuple[torch.nn.Module, tuple[torch.Tensor, ...], list[str], list[str]]:
    """The module to trace for ``settings`` with example inputs, input names and output names."""
    if settings.stage is not None:
        from videomatte.export.stages import stage_wrapper

        return stage_wrapper(net, settings.stage, settings.ratio, *settings.static, dtype)
    if net.exportable:
        wrapper = OnnxMatting(net, settings.ratio, fixed_shapes=settings.static is not None).eval().to(dtype)
    else:
        wrapper = FixedRatioMatting(net, settings.ratio).eval().to(dtype)
    inputs = sample_inputs(net, settings, dtype)
    return wrapper, inputs, list(ONNX_INPUTS[: len(inputs)]), list(ONNX_OUTPUTS)


@contextlib.contextmanager
def quiet_exporter() -> Iterator[None]:
    """Silence the TorchScript-based exporter's warnings: its deprecation notice (printed on every
    export; what keeps us on it is in docs/export.md) and the tracer's notes about Python floats
    (the parity check decides whether an export is right)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def _set_output_dims(model, channels: list[int]) -> None:  # noqa: ANN001 - onnx.ModelProto
    """Give every output dimension its documented name or size (the exporter invents names such as
    ``Clipfgr_dim_1`` for dimensions it cannot see are constant)."""
    axes = dynamic_axes()
    for output, count in zip(model.graph.output, channels):
        for axis, dim in enumerate(output.type.tensor_type.shape.dim):
            if axis == 1:
                dim.dim_value = count
            else:
                dim.dim_param = axes[output.name][axis]


def export_onnx(net: MattingNetwork, path: str | Path, settings: OnnxSettings = OnnxSettings()) -> ExportReport:
    """Export ``net`` to ``path`` after checking the graph and its outputs against the eager network.

    Raises:
        ExportError: bad settings, an unwritable target, or an export that fails its checks.
    """
    import onnx

    settings.check()
    net = check_exportable(net).eval()
    if not net.exportable:
        _check_fixed_shape_settings(net, settings)
    path = Path(path)
    check_writable(path)
    notes = []
    with tempfile.TemporaryDirectory(dir=path.parent, prefix=f".{path.name}.") as tmp:
        staged = Path(tmp) / "model.onnx"
        trace_to_onnx(net, OnnxSettings(settings.ratio, settings.static, False, False, settings.opset), staged)
        parity = check_parity(net, staged, settings.ratio, settings.static, precision="fp32")
        if settings.fp16:
            trace_to_onnx(net, settings, staged)
            parity = check_parity(net, staged, settings.ratio, settings.static, precision="fp16")
            notes.append("fp16 checked in onnxruntime on the CPU against the fp32 eager network")
        if settings.int8:
            from videomatte.export.quantize import quantize_int8

            quantized = Path(tmp) / "int8.onnx"
            quantize_int8(staged, quantized, settings.calibration, settings.ratio)
            staged = quantized
            parity = check_parity(net, staged, settings.ratio, settings.static, precision="int8",
                                  frames=settings.calibration)
            notes.append("int8 checked on the calibration frames (mean |alpha difference| reported)")
        try:
            onnx.checker.check_model(str(staged), full_check=True)
        except onnx.checker.ValidationError as err:
            raise ExportError(f"the exported graph fails onnx.checker: {err}") from None
        os.replace(staged, path)
    return ExportReport(path, parity, notes)


def _check_fixed_shape_settings(net: torch.nn.Module, settings: OnnxSettings) -> None:
    """The seed variants trace with fixed shapes and ratio, in float32."""
    what = f"variant {net.variant!r} with refiner {getattr(net, 'refiner_name', 'its own')!r}"
    if settings.static is None or settings.ratio is None:
        raise ExportError(f"{what} exports with fixed shapes: give --static WxH and --ratio R")
    if settings.fp16 or settings.int8:
        raise ExportError(f"{what} exports in float32 only (--fp16 and --quantize are for the RVM networks)")


def check_writable(path: Path) -> None:
    if path.is_dir():
        raise ExportError(f"output {path} is a directory; give a file name such as model.onnx")
    if not path.parent.is_dir():
        raise ExportError(f"output folder {path.parent} does not exist")
    if not os.access(path.parent, os.W_OK):
        raise ExportError(f"output folder {path.parent} is not writable")
