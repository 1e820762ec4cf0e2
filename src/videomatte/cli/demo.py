"""``videomatte demo``: matte a sample clip that ships with the package, on any fresh install."""
from __future__ import annotations

import argparse
from pathlib import Path

COMMAND = "demo"
HELP = "matte a built-in sample clip into a folder (no footage of your own needed)"
DESCRIPTION = """\
Build a few seconds of video panning and zooming across a photo of a person (BackgroundMattingV2's
MIT-licensed test photo, shipped with the package), matte it, and write into one folder:
  input.mp4        the sample clip itself
  transparent.mov  ProRes 4444 with alpha, for an editor
  composite.mp4    the person over a blue background
  matte.mp4        the alpha matte as gray video
The first run fetches the official weights (see `videomatte models fetch`)."""
EPILOG = """\
examples:
  videomatte demo                       # writes videomatte-demo/
  videomatte demo -o /tmp/demo --seconds 5
then your own footage:
  videomatte convert my_video.mp4 -o my_video.mov"""

OUTPUTS = {"output": "transparent.mov", "composite": "composite.mp4", "alpha": "matte.mp4"}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``videomatte demo``."""
    parser.add_argument("-o", "--output", default="videomatte-demo", metavar="FOLDER",
                        help="folder to write (default videomatte-demo)")
    parser.add_argument("--seconds", type=float, default=3.0, metavar="S", help="length of the clip (default 3)")
    parser.add_argument("--weights", default="official", help="as for convert (default official)")
    parser.add_argument("--backend", default="auto", choices=["auto", "torch", "torchscript", "onnxruntime"],
                        help="runtime (default auto)")
    parser.add_argument("--overwrite", action="store_true", help="replace the files of an earlier demo")
    parser.add_argument("--quiet", action="store_true", help="no progress line")


def _check(args: argparse.Namespace, folder: Path) -> None:
    from videomatte.cli import _checks

    _checks.check_number("--seconds", args.seconds, 0.0, 60.0)
    _checks.check_weights_file(args.weights)
    if folder.exists() and not folder.is_dir():
        raise _checks.MediaError(f"{folder}: is a file, not a folder")
    for name in ("input.mp4", *OUTPUTS.values()):
        _checks.check_output(str(folder / name), args.overwrite)


def run(args: argparse.Namespace) -> int:
    """Build the sample, matte it, print where everything went."""
    folder = Path(args.output)
    _check(args, folder)  # before PyTorch loads
    from videomatte.conversion.batch import convert
    from videomatte.io.sample import write_sample_clip

    folder.mkdir(parents=True, exist_ok=True)
    source = write_sample_clip(folder / "input.mp4", args.seconds, overwrite=args.overwrite)
    outputs = {key: folder / name for key, name in OUTPUTS.items()}
    results = convert(source, **outputs, background="#2050A0", overwrite=args.overwrite, progress=not args.quiet,
                      weights=None if args.weights == "none" else args.weights, backend=args.backend)
    result = results[0]
    print(f"{result.frames} frames matted in {result.seconds:.1f} s; wrote {folder}/: "
          + ", ".join(["input.mp4", *OUTPUTS.values()]))
    print("your own video next: videomatte convert YOUR_VIDEO.mp4 -o YOUR_VIDEO.mov")
    return 0
