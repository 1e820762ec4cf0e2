"""``videomatte bench``: speed measurements. Each action is one ``(add_arguments, run)`` pair in ``ACTIONS``.

``bench model``: parameters, GMACs, and fps of every runtime at each resolution, timed side by side, then
the table the runtime tuning (``backend="auto"``) chooses from at each resolution.
"""
from __future__ import annotations

import argparse
from typing import Callable

COMMAND = "bench"
HELP = "measure speed: model runtimes (bench model)"
EPILOG = """\
examples:
  videomatte bench model                                  # 512x288 @1 and 1920x1080 @0.25, CPU
  videomatte bench model --size 3840x2160 --ratio 0.125 --rounds 20   # sizes are WIDTHxHEIGHT
  videomatte bench model --official rvm_mobilenetv3_fp32.onnx --int8 talk.mp4   # int8 calibrated on talk.mp4"""


# ---- bench model ---------------------------------------------------------------------------------------

def _add_model_arguments(parser: argparse.ArgumentParser) -> None:
    from videomatte.cli._sizes import height_width
    from videomatte.models.registry import DEFAULT_MODEL, MODELS, REFINER_NAMES

    parser.add_argument("--variant", default=DEFAULT_MODEL, choices=list(MODELS))
    parser.add_argument("--weights", default="official", metavar="W", help="'official', a file, or 'none'")
    parser.add_argument("--refiner", default="deep_guided_filter", choices=list(REFINER_NAMES))
    parser.add_argument("--size", type=height_width, action="append", metavar="WxH",
                        help="frame size as WIDTHxHEIGHT, repeatable (default 512x288 and 1920x1080)")
    parser.add_argument("--ratio", type=float, action="append", metavar="R",
                        help="downsample ratio per --size (default 1 and 0.25)")
    parser.add_argument("--rounds", type=int, default=10, metavar="N", help="rounds per runtime, each of 4 consecutive frames of which 3 are timed")
    parser.add_argument("--official", metavar="ONNX", help="also time the authors' ONNX export, as a baseline")
    parser.add_argument("--int8", metavar="VIDEO", help="also time an int8 export calibrated on this video")
    parser.add_argument("--frames", metavar="VIDEO", help="real frames to time and compare on (default: synthetic)")


def _run_model(args: argparse.Namespace) -> int:
    from videomatte.errors import VideoMatteError
    from videomatte.export.runtime_bench import bench_resolution, count_gmacs, format_table, ort_step
    from videomatte.models.weights.zoo import load_model

    from videomatte.cli._sizes import note_portrait

    sizes = args.size or [(288, 512), (1080, 1920)]
    for height, width in args.size or []:
        note_portrait("--size", height, width)
    ratios = args.ratio or ([1.0, 0.25] if not args.size else [1.0] * len(sizes))
    if len(ratios) != len(sizes):
        raise VideoMatteError("give one --ratio per --size")
    net = load_model(args.variant, None if args.weights == "none" else args.weights, args.refiner)
    print(f"{args.variant}: {sum(p.numel() for p in net.parameters()):,} parameters")
    rows, tuning_tables = [], []
    for (height, width), ratio in zip(sizes, ratios):
        frames = _frames(args.frames, height, width)
        calibration = _frames(args.int8, height, width) if args.int8 else None
        extra = {"official onnx": ort_step(args.official, ratio)} if args.official else {}
        print(f"{width}x{height} @{ratio:g}: {count_gmacs(net, height, width, ratio):.2f} GMACs")
        rows += bench_resolution(net, frames, ratio, args.rounds, extra, calibration)
        tuning_tables.append(_tuning_table(net, frames, ratio, args.official))
    print(format_table(rows, baseline="official onnx" if args.official else "torch eager"))
    for table in tuning_tables:
        print(table)
    return 0


def _tuning_table(net, frames, ratio: float, official: str | None) -> str:  # noqa: ANN001 - lazy imports
    """The candidates ``backend="auto"`` chooses from at this size (``inference.tuning``), timed afresh,
    with the authors' ONNX model in the same rounds when given."""
    from videomatte.export.runtime_bench import ort_step
    from videomatte.inference.tuning import Choice, budget_for, pick, run_trials, static_graph

    height, width = frames.shape[-2:]
    extra = {"authors' onnx": ort_step(official, ratio)} if official else None
    trials, extra_ms, _ = run_trials(static_graph(net, height, width, ratio), frames, budget_for(ratio), extra=extra)
    title = f"\nruntime tuning at {width}x{height} @{ratio:g}: what backend=auto chooses from on this CPU"
    return title + f" (budget mean abs Δα {budget_for(ratio):.0e})\n" + Choice(pick(trials), trials).table(extra_ms)


def _frames(video: str | None, height: int, width: int):  # noqa: ANN202 - numpy, imported lazily
    if video is None:
        from videomatte.export.checks import synthetic_frames

        return synthetic_frames(8, height, width).numpy()
    from videomatte.export.quantize import load_frames

    return load_frames(video, height, width, count=16, stride=3)


# ---- actions -------------------------------------------------------------------------------------------

ACTIONS: dict[str, tuple[str, Callable[[argparse.ArgumentParser], None], Callable[[argparse.Namespace], int]]] = {
    "model": ("params, GMACs and fps per runtime and resolution", _add_model_arguments, _run_model),
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """One sub-parser per entry of ``ACTIONS``."""
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    from videomatte.cli._help import ExampleFormatter

    for name, (help_text, add, _) in ACTIONS.items():
        add(actions.add_parser(name, help=help_text, description=help_text, epilog=EPILOG,
                               formatter_class=ExampleFormatter))


def run(args: argparse.Namespace) -> int:
    """Dispatch to the chosen action."""
    return ACTIONS[args.action][2](args)
