"""``videomatte evaluate``: the paper's metrics on a test set, on saved predictions, and test-set builders."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

COMMAND = "evaluate"
HELP = "score a model or saved predictions with the paper's metrics (MAD, MSE, Grad, Conn, dtSSD)"
DESCRIPTION = """\
Score mattes with the metrics of the RVM paper. Five modes (exactly one):

  --data DIR             run --model over every clip DIR/**/CLIP/com/NNNN.png and score it
                         against CLIP/pha (and CLIP/fgr)
  --pred DIR --truth DIR score saved predictions PRED/CLIP/pha/NNNN.png (+ fgr/) against TRUTH
  --make-pseudo-gt OUT   build the pseudo-ground-truth benchmark (needs --clips, --images, --weights)
  --compose OUT          compose a VideoMatte-style test set (needs --foregrounds, --backgrounds)
  --make-subject-set OUT two matted people walking apart, together, across each other: the test set
                         of subject selection (needs --clips, --images, --weights; scored by
                         benchmarks/bench_subject.py)

Results: a table on stdout, and --json / --csv files with per-clip and overall scores under the
keys mad, mse, grad, conn, dtssd, fgr_mad, fgr_mse."""
EPILOG = """\
examples:
  videomatte evaluate --make-pseudo-gt pgt --clips ../shared/data/clips \\
      --images ../shared/data/images --weights ../shared/data/weights/rvm_mobilenetv3_fp32.onnx
  videomatte evaluate --model mobilenetv3 --data pgt/heldout --json scores.json
  videomatte evaluate --model mobilenetv3 --data pgt/heldout --no-state
  videomatte evaluate --pred my_run --truth pgt/heldout --json scores.json
  videomatte evaluate --make-subject-set pairs --clips ../shared/data/clips \\
      --images ../shared/data/images --weights ../shared/data/weights/rvm_mobilenetv3_fp32.onnx"""


def _size(text: str) -> tuple[int, int]:
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"size must look like 512x288, got {text!r}") from None
    if w <= 0 or h <= 0:
        raise argparse.ArgumentTypeError(f"size must be positive, got {text!r}")
    return w, h


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``videomatte evaluate``: the mode, the model, the scoring and the set builders."""
    _add_mode_and_model_arguments(parser)
    _add_build_arguments(parser)


def _add_mode_and_model_arguments(parser: argparse.ArgumentParser) -> None:
    from videomatte.models.registry import DEFAULT_MODEL, REFINER_NAMES

    mode = parser.add_argument_group("mode (choose one)")
    mode.add_argument("--data", type=Path, metavar="DIR", help="test set to run --model on")
    mode.add_argument("--pred", type=Path, metavar="DIR", help="saved predictions (with --truth)")
    mode.add_argument("--truth", type=Path, metavar="DIR", help="ground truth for --pred")
    mode.add_argument("--make-pseudo-gt", type=Path, metavar="OUT", help="build the pseudo-GT benchmark")
    mode.add_argument("--compose", type=Path, metavar="OUT", help="compose a test set")
    mode.add_argument("--make-subject-set", type=Path, metavar="OUT",
                      help="build the two-person subject-selection set")

    run = parser.add_argument_group("running a model (--data)")
    run.add_argument("--model", default=DEFAULT_MODEL,
                     help="registry model, 'onnx' (--weights FILE.onnx), or the baseline "
                          "'mediapipe-selfie' (--weights FILE.tflite) (default: mobilenetv3)")
    run.add_argument("--weights", default="official",
                     help="'official', a weights file, or 'none' for random init (default: official)")
    run.add_argument("--ratio", type=float, default=None, help="downsample ratio (default: automatic)")
    run.add_argument("--refiner", default=REFINER_NAMES[0], choices=REFINER_NAMES,
                     help=f"refiner of a registry model: {', '.join(REFINER_NAMES)}")
    run.add_argument("--no-state", action="store_true", help="reset the recurrent state before every frame")
    run.add_argument("--device", default="auto", help="torch device (default: auto)")
    run.add_argument("--chunk", type=int, default=8, help="frames per model call (default: 8)")
    run.add_argument("--save-pred", type=Path, metavar="DIR", help="also save predictions as DIR/CLIP/{pha,fgr}")

    score = parser.add_argument_group("scoring")
    score.add_argument("--protocol", choices=("lr", "hr"), default="lr",
                       help="lr: Grad on min-max normalised mattes, with Conn (512x288 sets); "
                            "hr: raw Grad, no Conn (1920x1080 sets). Default: lr")
    score.add_argument("--metrics", help="comma-separated subset, e.g. mad,mse,dtssd")
    score.add_argument("--dtssd-first-frame", choices=("zero", "skip"), default="zero",
                       help="zero: frame 0 scores 0 and is averaged in (the original); skip: left out")
    score.add_argument("--json", type=Path, metavar="FILE", help="write scores as JSON")
    score.add_argument("--csv", type=Path, metavar="FILE", help="write scores as CSV")


def _add_build_arguments(parser: argparse.ArgumentParser) -> None:
    build = parser.add_argument_group("building test sets (--make-pseudo-gt, --compose)")
    build.add_argument("--clips", type=Path, help="folder of videos to matte with the official ONNX --weights")
    build.add_argument("--images", type=Path, help="folder of background images (files named *_fg are skipped)")
    build.add_argument("--foregrounds", type=Path, help="VideoMatte240K-layout folder (fgr/CLIP, pha/CLIP)")
    build.add_argument("--image-mattes", action="store_true",
                       help="--foregrounds is D646/AIM layout (fgr/NAME, pha/NAME): stills get motion")
    build.add_argument("--backgrounds", type=Path, nargs="+", help="background images, videos or folders")
    build.add_argument("--bg-motion", choices=("static", "pan"), default="static",
                       help="still backgrounds: keep still or pan across (videos always play)")
    build.add_argument("--passes", type=int, default=5, help="backgrounds per foreground (default: 5)")
    build.add_argument("--size", type=_size, default=None, help="output WxH (default: 512x288)")
    build.add_argument("--frames", type=int, default=None,
                       help="frames per clip (default: 100, pseudo-GT 40, subject set 100)")
    build.add_argument("--seed", type=int, default=None,
                       help="random seed (default: 10, pseudo-GT 2108, subject set 16)")
    build.add_argument("--pairs", type=int, default=4, help="subject set: clips of two people (default: 4)")
    build.add_argument("--max-train-segments", type=int, default=None, help="pseudo-GT: cap training segments")


def _mode(args: argparse.Namespace) -> str:
    from videomatte.errors import VideoMatteError

    modes = ("data", "pred", "make_pseudo_gt", "compose", "make_subject_set")
    chosen = [m for m in modes if getattr(args, m) is not None]
    if len(chosen) != 1:
        raise VideoMatteError("choose one of --data, --pred/--truth, --make-pseudo-gt, --compose, "
                              "--make-subject-set (see --help)")
    if chosen[0] == "pred" and args.truth is None:
        raise VideoMatteError("--pred needs --truth DIR")
    if args.truth is not None and chosen[0] != "pred":
        raise VideoMatteError("--truth goes with --pred")
    return chosen[0]


def _protocol(args: argparse.Namespace):
    from dataclasses import replace

    from videomatte.errors import VideoMatteError
    from videomatte.evaluation.protocol import PROTOCOLS

    protocol = PROTOCOLS[args.protocol]
    try:
        if args.metrics:
            protocol = replace(protocol, metrics=tuple(m.strip() for m in args.metrics.split(",") if m.strip()))
        return replace(protocol, dtssd_first_frame=args.dtssd_first_frame)
    except ValueError as err:
        raise VideoMatteError(str(err)) from None


def _print_progress(clip: str, done: int, total: int) -> None:
    if done == total:
        print(f"  {clip}: {total} frames", file=sys.stderr)


def _score(args: argparse.Namespace, mode: str) -> int:
    from videomatte.evaluation.scoring import evaluate_model, evaluate_predictions
    from videomatte.evaluation.predictors import load_predictor

    protocol = _protocol(args)
    if mode == "pred":
        report = evaluate_predictions(args.pred, args.truth, protocol)
    else:
        weights = None if str(args.weights).lower() == "none" else args.weights
        predictor = load_predictor(args.model, weights, device=args.device, ratio=args.ratio, refiner=args.refiner)
        report = evaluate_model(predictor, args.data, protocol, no_state=args.no_state, chunk=max(1, args.chunk),
                                save_pred=args.save_pred, progress=_print_progress)
        report.info.update(model=args.model, weights=str(args.weights), ratio=args.ratio)
    report.write(args.json, args.csv)
    print(report.to_table())
    return 0


def _build(args: argparse.Namespace, mode: str) -> int:
    from videomatte.errors import VideoMatteError

    from_clips = mode in ("make_pseudo_gt", "make_subject_set")
    needed = ("clips", "images") if from_clips else ("foregrounds", "backgrounds")
    missing = [f"--{n}" for n in needed if getattr(args, n) is None]
    if missing:
        raise VideoMatteError(f"--{mode.replace('_', '-')} needs {' and '.join(missing)}")
    if mode == "make_pseudo_gt":
        return _make_pseudo_gt(args)
    if mode == "make_subject_set":
        return _make_subject_set(args)
    return _compose(args)


def _make_subject_set(args: argparse.Namespace) -> int:
    from videomatte.errors import VideoMatteError
    from videomatte.evaluation.subject_set import SubjectSetConfig, build_subject_set

    if args.weights in (None, "official", "none"):
        raise VideoMatteError("--make-subject-set needs --weights PATH to the official rvm_mobilenetv3_fp32.onnx")
    if args.pairs < 1 or (args.frames is not None and args.frames < 2):
        raise VideoMatteError("--pairs must be at least 1 and --frames at least 2")
    config = SubjectSetConfig(args.size or (512, 288), args.frames or 100, args.pairs,
                              16 if args.seed is None else args.seed)
    path = build_subject_set(args.make_subject_set, args.clips, args.images, Path(args.weights), config,
                             progress=lambda msg: print(msg, file=sys.stderr))
    print(f"wrote {config.clips} clips of two people to {path.parent} ({path.name} lists them)")
    return 0


def _make_pseudo_gt(args: argparse.Namespace) -> int:
    from videomatte.errors import VideoMatteError
    from videomatte.evaluation.pseudo_gt import PseudoGTConfig, build_pseudo_gt

    if args.weights in (None, "official", "none"):
        raise VideoMatteError("--make-pseudo-gt needs --weights PATH to the official rvm_mobilenetv3_fp32.onnx")
    config = PseudoGTConfig(args.size or (512, 288), args.frames or 40, 2108 if args.seed is None else args.seed,
                            args.max_train_segments)
    path = build_pseudo_gt(args.make_pseudo_gt, args.clips, args.images, Path(args.weights), config,
                           progress=lambda msg: print(msg, file=sys.stderr))
    print(f"wrote {path.parent}/heldout (evaluation) and {path.parent}/train; split in {path}")
    return 0


def _compose(args: argparse.Namespace) -> int:
    from videomatte.evaluation import testset

    loader = testset.image_mattes if args.image_mattes else testset.videomatte_clips
    seed = 10 if args.seed is None else args.seed
    plans = testset.plan_clips(loader(args.foregrounds), testset.find_backgrounds(args.backgrounds),
                               passes=args.passes, bg_motion=args.bg_motion, seed=seed)
    config = testset.ComposeConfig(args.size or (512, 288), args.frames or 100, seed)
    path = testset.compose_set(plans, args.compose, config)
    print(f"wrote {len(plans)} clips to {args.compose} ({path.name} lists them)")
    return 0


def _check_paths(args: argparse.Namespace, mode: str) -> None:
    """Missing folders and files, answered before PyTorch loads."""
    from videomatte.cli import _checks

    needed = {"data": [args.data], "pred": [args.pred, args.truth],
              "make_pseudo_gt": [args.clips, args.images], "compose": [args.foregrounds]}.get(mode, [])
    for path in [p for p in needed if p is not None]:
        if not path.exists():
            raise _checks.MediaError(f"test-set folder not found: {path}")
    if mode in ("data", "make_pseudo_gt"):
        _checks.check_weights_file(None if args.weights is None else str(args.weights))
    _checks.check_number("--ratio", args.ratio, 0.0, 1.0)
    for path in (args.json, args.csv, args.save_pred):
        if path is not None:
            _checks.check_writable_folder(Path(path))


def run(args: argparse.Namespace) -> int:
    mode = _mode(args)
    _check_paths(args, mode)
    if mode in ("data", "pred"):
        return _score(args, mode)
    return _build(args, mode)
