"""``videomatte convert``: matte videos into transparent video, image sequences, mattes or composites."""
from __future__ import annotations

import argparse

from typing import TYPE_CHECKING

from videomatte.cli._model import add_model_arguments, model_settings_from

if TYPE_CHECKING:
    from videomatte.cluster.ray_engine import RayEngine
    from videomatte.conversion.convert_options import ConvertOptions
    from videomatte.conversion.results import ConvertResult

COMMAND = "convert"
HELP = "matte videos, photos, image sequences or folders of them into files"
DESCRIPTION = """\
Matte the people in videos and photos. The kind of each output follows its extension:
  .mov   ProRes 4444, 10-bit, foreground + alpha     .webm  VP9, foreground + alpha
  .mkv   FFV1 lossless, foreground + alpha          DIR/   PNG images, foreground + alpha
  .mp4   H.264 composite over --background (green by default)
  .png .webp .tif   one photo with alpha             .jpg   one photo over --background
A folder is read as what it holds: videos; pictures of one size (an image sequence); pictures of
different sizes, or beside videos (photos, one output each: -o out/ gives out/NAME.png).
Audio, frame timing and colour tags are carried over from the input. Outputs are written under a
temporary name and appear only when complete; existing outputs are kept unless --overwrite."""
EPILOG = """\
examples:
  videomatte convert talk.mp4 -o talk.mov                     # transparent ProRes 4444
  videomatte convert talk.mp4 -o talk.webm --alpha matte.mp4  # VP9 with alpha + the matte
  videomatte convert talk.mp4 --composite out.mp4 --background beach.jpg
  videomatte convert talk.mp4 -o frames/ --premultiplied      # premultiplied RGBA PNGs
  videomatte convert talk.mp4 -o part.mov --start 1:05 --duration 10   # seconds 65-75 only
  videomatte convert photo.jpg -o cut.png                     # one photo, RGBA (also .webp)
  videomatte convert holiday/ -o cutouts/                     # every photo: cutouts/NAME.png
  videomatte convert clips/ -o 'out/{name}.mov'               # every video of a folder; reruns skip
                                                              # the finished ones
  videomatte convert group.mp4 -o one.mov --subject 0.5,0.4   # only the person under that point
  videomatte convert group.mp4 -o two.mov --subject '300,200;900,250'   # two people, kept together
  videomatte convert hair.mp4 --composite beach.mp4 --background beach.jpg --despill   # no green rim
  videomatte convert talk.mp4 -o talk.mov --levels 0.03,0.97 --shrink 1 --feather 1.5   # finish the matte
  videomatte convert edit.mp4 -o edit.mov --cuts cuts.txt     # reset at an editor's cuts (120, 00:00:08:12)
  videomatte convert clips/ -o 'out/{name}.mov' --engine ray  # segments on a local Ray instance
  videomatte convert /shared/clips/ -o '/shared/out/{name}.mov' --engine ray --address auto \\
      --gpus-per-worker 1                                     # on the cluster of `ray start --head`
  videomatte convert clips/ -o 'out/{name}.mov' --stats run.json   # seconds per phase, into run.json"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``videomatte convert``."""
    from videomatte.conversion.convert_options import CODEC_CHOICES

    parser.add_argument("inputs", nargs="+", metavar="INPUT",
                        help="video or photo file, image folder or glob ('shots/*.png'), or folder of videos and photos")
    out = parser.add_argument_group("outputs (any combination; {name} = the input's name)")
    out.add_argument("-o", "--output", metavar="PATH", help="main output, kind by extension (see above)")
    out.add_argument("--alpha", metavar="PATH", help="the matte, as gray video or images")
    out.add_argument("--foreground", metavar="PATH", help="the foreground colour, without alpha")
    out.add_argument("--composite", metavar="PATH", help="the foreground over --background")
    out.add_argument("--background", default="green", metavar="BG",
                     help="green|blue|black|white|gray, #RRGGBB, blur, an image or a video file (default green)")
    out.add_argument("--premultiplied", action="store_true", help="premultiply colour by alpha in RGBA outputs")
    out.add_argument("--codec", choices=CODEC_CHOICES,
                     help="codec of the main output instead of its extension's default "
                          "(png in .mov: lossless alpha; tiff for image folders)")
    out.add_argument("--crf", type=int, metavar="N", help="quality of H.264/H.265/VP9 (lower is better)")
    out.add_argument("--no-audio", dest="audio", action="store_false", help="do not copy the input's audio")
    out.add_argument("--overwrite", action="store_true", help="replace existing outputs")
    model = add_model_arguments(parser)
    model.add_argument("--seq-chunk", type=int, default=1, metavar="T", help="frames per network call (default 1)")
    model.add_argument("--cuts", default="auto", metavar="auto|off|FILE",
                       help="where shots start, to restart the network's memory there so no ghost of the last "
                            "shot remains: auto (detected, the default), off, or a cut list FILE from your "
                            "editor: one cut per line or comma separated, each a frame number (120), a "
                            "timecode HH:MM:SS:FF (00:00:08:12; ';' before FF for drop-frame) or a time "
                            "HH:MM:SS.mmm (00:00:08.480), counted from the first frame; # starts a comment")
    _add_engine_arguments(parser)
    span = parser.add_argument_group("range and input kind")
    span.add_argument("--start", metavar="T",
                      help="begin at this time: seconds (12.5) or HH:MM:SS(.mmm); the output starts at 0")
    span.add_argument("--duration", metavar="T", help="convert this long (seconds or HH:MM:SS), audio cut to match")
    span.add_argument("--stills", action="store_true",
                      help="read the pictures of a folder, glob or list as photos, one output each, even "
                           "when they all have one size (else an image sequence)")
    parser.add_argument("--fps", type=float, metavar="F", help="frame rate of image-sequence inputs (default 30)")
    parser.add_argument("--quiet", action="store_true", help="no progress line")
    parser.add_argument("--stats", metavar="FILE.json",
                        help="write where the time went: seconds of decode, network, compositing, encode, join, "
                             "waiting and other (adding up to the wall time) and frames, e.g. --stats run.json")


def options_from(args: argparse.Namespace) -> ConvertOptions:
    """The ``ConvertOptions`` the flags ask for (validated: ``OptionError`` for bad values)."""
    from fractions import Fraction

    from videomatte.conversion.convert_options import ConvertOptions

    return ConvertOptions(
        model=model_settings_from(args),
        output=args.output, alpha=args.alpha, foreground=args.foreground, composite=args.composite,
        background=args.background, seq_chunk=args.seq_chunk,
        overwrite=args.overwrite, progress=not args.quiet, premultiplied=args.premultiplied, codec=args.codec,
        crf=args.crf, audio=args.audio,
        frame_rate=Fraction(args.fps).limit_denominator(1001) if args.fps is not None else None,
        engine=_engine_from(args), start=args.start, duration=args.duration, stills=args.stills, cuts=args.cuts,
        stats=args.stats,
    )


def _engine_from(args: argparse.Namespace) -> RayEngine | None:
    """``None`` (this process), or the ``RayEngine`` of the ``--engine ray`` flags (``OptionError`` for bad
    values)."""
    if args.engine == "local":
        return None
    from videomatte.cluster.ray_engine import RayEngine

    return RayEngine(address=args.address, workers=args.workers, gpus_per_worker=args.gpus_per_worker,
                     cpus_per_worker=args.cpus_per_worker, segment_seconds=args.segment_seconds,
                     warmup=args.warmup)


def run(args: argparse.Namespace) -> int:
    """Convert, print one line per input, return the exit code."""
    from videomatte.cli._checks import check_convert

    check_convert(args)  # answers a mistake before PyTorch is imported
    from videomatte.conversion.batch import convert
    from videomatte.errors import BatchError, VideoMatteError

    options = options_from(args)
    try:
        results = convert(args.inputs, options)
    except BatchError as err:
        _report(err.results, args.quiet)
        raise
    except ValueError as err:
        if isinstance(err, VideoMatteError):
            raise
        raise VideoMatteError(str(err)) from err
    _report(results, args.quiet)
    return 0


def _report(results: list[ConvertResult], quiet: bool) -> None:
    from videomatte.conversion.inputs import is_still

    for result in results:
        shots = f", {len(result.cuts) + 1} shots" if result.cuts else ""
        if not result.skipped and not result.error and not quiet and is_still(result.source):
            print(f"{result.source}: matted in {result.seconds:.1f} s -> {', '.join(result.outputs)}")
        elif not result.skipped and not result.error and not quiet:
            print(f"{result.source}: {result.frames} frames in {result.seconds:.1f} s "
                  f"({result.fps:.1f} fps{shots}, {result.backend}) -> {', '.join(result.outputs)}")


def _add_engine_arguments(parser: argparse.ArgumentParser) -> None:
    from videomatte.cluster.ray_settings import DEFAULT_SEGMENT_SECONDS, DEFAULT_WARMUP

    cluster = parser.add_argument_group("engine (see docs/cluster.md)")
    cluster.add_argument("--engine", default="local", choices=["local", "ray"],
                         help="local: this process (default); ray: segments matted by Ray workers, joined in order")
    cluster.add_argument("--address", metavar="ADDR",
                         help="Ray cluster: auto (this machine's `ray start`) or ray://HOST:10001; "
                              "default: start a local Ray instance")
    cluster.add_argument("--workers", type=int, metavar="N",
                         help="worker actors, one model each (default: as many as the CPUs or GPUs allow)")
    cluster.add_argument("--gpus-per-worker", type=float, default=0.0, metavar="G",
                         help="GPUs per worker (fractions share one; default 0: CPU workers)")
    cluster.add_argument("--cpus-per-worker", type=float, default=1.0, metavar="C",
                         help="CPUs per worker, also its onnxruntime and encoder threads (default 1)")
    cluster.add_argument("--segment-seconds", type=float, default=DEFAULT_SEGMENT_SECONDS, metavar="S",
                         help=f"length of a work unit (default {DEFAULT_SEGMENT_SECONDS:g} s)")
    cluster.add_argument("--warmup", type=int, default=DEFAULT_WARMUP, metavar="W",
                         help="frames run before each segment to rebuild the recurrent state "
                              f"(default {DEFAULT_WARMUP})")
