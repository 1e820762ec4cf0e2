"""``videomatte export``: TorchScript or ONNX (dynamic or static shapes, fp16, int8), checked before written."""
from __future__ import annotations

import argparse
from pathlib import Path

from videomatte.cli._sizes import height_width

COMMAND = "export"
HELP = "export the model to TorchScript or ONNX for other runtimes"
DESCRIPTION = """\
Export a model for TorchScript, onnxruntime, TensorRT or OpenVINO. ONNX files keep the original
export's tensor names (src, r1i..r4i, downsample_ratio -> fgr, pha, r1o..r4o) with distinct dynamic
axes; --ratio bakes the downsample ratio in (and at 1 drops the refiner, as PyTorch does); --static
fixes every shape and folds the shape arithmetic away (TensorRT). The seed variants (ConvLSTM, BRM,
PRM, seed 004) export to ONNX with --static and --ratio. Each export is checked with
onnx.checker and against the PyTorch model on ten frames before the file appears."""
EPILOG = """\
examples:
  videomatte export --format onnx -o rvm.onnx                          # like the original export
  videomatte export --format onnx -o rvm_hd.onnx --static 1920x1080 --ratio 0.25   # fastest on CPU
  videomatte export --format onnx -o rvm_fp16.onnx --fp16               # for GPUs
  videomatte export --format torchscript -o rvm.pt
  videomatte export --format onnx -o lstm.onnx --variant mobilenetv3_convlstm --weights none \\
      --static 512x288 --ratio 1      # seed variants: fixed shapes and ratio (sizes are WIDTHxHEIGHT)"""


def parse_size(text: str) -> tuple[int, int]:
    """``"WxH"`` (``"1920x1080"``) -> ``(H, W)``, the order ``OnnxSettings.static`` takes."""
    return height_width(text)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``videomatte export``."""
    from videomatte.models.registry import DEFAULT_MODEL, MODELS, REFINER_NAMES

    parser.add_argument("--format", required=True, choices=["torchscript", "onnx"], help="what to write")
    parser.add_argument("-o", "--output", required=True, metavar="FILE", help="the file to write")
    parser.add_argument("--variant", default=DEFAULT_MODEL, choices=list(MODELS), help="model variant")
    parser.add_argument("--weights", default="official", metavar="W",
                        help="'official' (default), a .pth/.safetensors/.onnx file, or 'none' (random init)")
    parser.add_argument("--refiner", default="deep_guided_filter", choices=list(REFINER_NAMES))
    parser.add_argument("--fp16", action="store_true", help="half precision (for GPUs)")
    parser.add_argument("--quantize", choices=["int8"], help="int8 convolutions in the encoder (ONNX, CPU)")
    parser.add_argument("--calibration", metavar="VIDEO", help="frames to calibrate --quantize int8 on")
    parser.add_argument("--static", type=parse_size, metavar="WxH",
                        help="fixed input size as WIDTHxHEIGHT, e.g. 1920x1080 (ONNX; needs --ratio)")
    parser.add_argument("--ratio", type=float, metavar="R", help="bake this downsample ratio in (ONNX)")
    parser.add_argument("--opset", type=int, default=17, metavar="N", help="ONNX opset, 11..20 (default 17)")


def _check_format(args: argparse.Namespace) -> None:
    from videomatte.errors import ExportError

    if args.format == "torchscript":
        onnx_only = [flag for flag, value in (("--static", args.static), ("--ratio", args.ratio),
                                              ("--quantize", args.quantize)) if value is not None]
        if onnx_only:
            raise ExportError(f"{', '.join(onnx_only)} apply to --format onnx only "
                              "(TorchScript takes any size and ratio at run time)")
    if args.calibration and not args.quantize:
        raise ExportError("--calibration is only used with --quantize int8")


def run(args: argparse.Namespace) -> int:
    """Export, check, write; print what was checked."""
    from videomatte.cli import _checks

    _checks.check_weights_file(str(args.weights))  # mistakes answered before PyTorch loads
    if args.static:
        from videomatte.cli._sizes import note_portrait

        note_portrait("--static", *args.static)
    _checks.check_number("--ratio", args.ratio, 0.0, 1.0)
    if args.calibration:
        _checks.check_input(args.calibration)
    if Path(args.output).is_dir():
        raise _checks.MediaError(f"{args.output}: is a folder, not a file")
    _checks.check_writable_folder(Path(args.output))
    from videomatte.errors import ExportError

    _check_format(args)
    if args.fp16 and args.quantize:
        raise ExportError("--fp16 and --quantize int8 exclude each other: pick one precision")
    from videomatte.models.weights.zoo import load_model

    weights = None if str(args.weights).lower() == "none" else args.weights
    net = load_model(args.variant, weights, args.refiner)
    if args.format == "torchscript":
        from videomatte.export.torchscript import export_torchscript

        report = export_torchscript(net, args.output, fp16=args.fp16)
    else:
        report = _export_onnx(net, args)
    print(f"wrote {report.path}; checked against PyTorch on {report.parity}")
    for note in report.notes:
        print(f"note: {note}")
    return 0


def _export_onnx(net, args: argparse.Namespace):  # noqa: ANN001, ANN202 - lazy imports keep the CLI light
    from videomatte.export.onnx import OnnxSettings, export_onnx

    calibration = None
    if args.quantize:
        from videomatte.errors import ExportError

        if not args.calibration:
            raise ExportError("--quantize int8 needs --calibration VIDEO (real frames of the kind you will matte)")
        from videomatte.export.quantize import load_frames

        height, width = args.static or (288, 512)
        calibration = load_frames(args.calibration, height, width)
    settings = OnnxSettings(ratio=args.ratio, static=args.static, fp16=args.fp16, int8=args.quantize == "int8",
                            opset=args.opset, calibration=calibration)
    settings.check()
    return export_onnx(net, args.output, settings)
