"""The model flags shared by ``videomatte convert`` and ``videomatte live`` (one group, one
``ModelSettings``), the subject and edge-finishing flags among them."""
from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from videomatte.cli._finishing import add_finishing_arguments, finishing_from

if TYPE_CHECKING:
    from videomatte.inference.model_settings import ModelSettings
    from videomatte.subject.prompt import SubjectPrompt

RATIO_HELP = "downsample ratio in (0, 1]; default min(512 / longest side, 1) for each frame size"


def add_model_arguments(parser: argparse.ArgumentParser, ratio_help: str = RATIO_HELP) -> argparse._ArgumentGroup:
    """``--variant``, ``--refiner``, ``--weights``, ``--ratio``, ``--device``, ``--fp16``, ``--backend`` in
    one group (returned, for command-specific additions), and the subject group."""
    from videomatte.inference.model_settings import BACKEND_CHOICES
    from videomatte.models.registry import DEFAULT_MODEL, MODELS, REFINER_NAMES

    model = parser.add_argument_group("model")
    model.add_argument("--variant", default=DEFAULT_MODEL, choices=list(MODELS), metavar="NAME",
                       help=f"network variant: {', '.join(MODELS)} (default {DEFAULT_MODEL}; "
                            "'videomatte models' lists them)")
    model.add_argument("--refiner", default=REFINER_NAMES[0], choices=REFINER_NAMES,
                       help=f"refiner of the high-resolution edges (default {REFINER_NAMES[0]})")
    model.add_argument("--weights", default="official",
                       help="'official' (fetched once, then cached), a weights file (.pth/.safetensors/.onnx; "
                            "an RVM .onnx runs in onnxruntime on the CPU), or 'none' (random, for tests)")
    model.add_argument("--ratio", type=float, metavar="R", help=ratio_help)
    model.add_argument("--device", default="auto", help="auto, cpu, cuda, cuda:N or mps (default auto)")
    model.add_argument("--fp16", action="store_true", help="half precision (GPU only)")
    model.add_argument("--backend", default="auto", choices=BACKEND_CHOICES,
                       help="runtime (default auto: the fastest correct one for the device; the log names it)")
    add_subject_arguments(parser)
    add_finishing_arguments(parser)
    return model


def model_settings_from(args: argparse.Namespace) -> ModelSettings:
    """The ``ModelSettings`` the flags ask for (``OptionError``/``SubjectError`` for bad values)."""
    from videomatte.inference.model_settings import ModelSettings

    return ModelSettings(variant=args.variant, refiner=args.refiner,
                         weights=None if args.weights == "none" else args.weights, device=args.device,
                         dtype="float16" if args.fp16 else None, backend=args.backend,
                         downsample_ratio=args.ratio, subject=subject_from(args), despill=args.despill,
                         finishing=finishing_from(args))


def add_subject_arguments(parser: argparse.ArgumentParser) -> None:
    """``--subject``, ``--subject-box`` and ``--subject-mask`` in their own group."""
    who = parser.add_argument_group("subject (keep only the people pointed at on the first frame)")
    who.add_argument("--subject", action="append", metavar="X,Y",
                     help="a point on the person to keep, in pixels or fractions of the frame (0.5,0.4); "
                          "repeat it or write X,Y;X,Y for several people")
    who.add_argument("--subject-box", metavar="X0,Y0,X1,Y1",
                     help="keep the people lying mostly inside this box (pixels or fractions)")
    who.add_argument("--subject-mask", metavar="FILE.png",
                     help="keep the people lying mostly inside this first-frame mask (white = keep)")


def subject_from(args: argparse.Namespace) -> SubjectPrompt | None:
    """The ``SubjectPrompt`` the flags give (``SubjectError`` for bad values), or ``None``."""
    from videomatte.subject.prompt import SubjectPrompt

    return SubjectPrompt.from_cli(args.subject, args.subject_box, args.subject_mask)
