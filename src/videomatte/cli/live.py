"""``videomatte live``: matte a camera, a file played in real time, a stream or a test pattern, live."""
from __future__ import annotations

import argparse

from videomatte.cli._model import add_model_arguments, model_settings_from

COMMAND = "live"
HELP = "matte a camera (or file, stream, test pattern) live into a virtual camera, window or recording"
DESCRIPTION = """\
Matte frames as they arrive and send the person over --background to a virtual camera (video calls,
OBS), a preview window or a recording. Capture, matting and output run concurrently and the newest frame
wins: frames the machine cannot keep up with are dropped and counted, never queued into lag, and each
matte is composited with the frame it was computed from. --quality auto times the network on the first
frames and lowers the downsample ratio until it keeps the source's frame rate, says what it chose, and
keeps adjusting while it runs: a mode down when frames drop or the p95 latency passes 2.7 frame times
(90 ms at 30 fps) over 3 s, a mode up after 6 s with room, each change logged. A recording is encoded
on its own thread and keeps every frame that was sent (its encoder's load steps the quality down).

Sources: a camera (0, /dev/video0; on Windows 'video=NAME'), a video file played at its own rate
(--loop), a stream URL (rtsp://, http://, udp://), or testsrc (a synthetic pattern).
Window keys: b next background, space pause, m mirror, d despill on/off, q or Esc quit. Ctrl-C ends cleanly (exit 130,
the recording finalised)."""
EPILOG = """\
examples:
  videomatte live --virtual-camera --background blur --mirror      # camera 0 into a video call
  videomatte live --source /dev/video2 --size 1280x720 --fps 30 --window --background beach.jpg
  videomatte live --source talk.mp4 --loop --record out.mov        # ProRes with alpha, real-time pace
  videomatte live --source 0 --record talk.mp4 --stats s.json      # H.264 (ultrafast); s.json: quality_changes
  videomatte live --source testsrc --duration 10 --stats stats.json
  videomatte live --window --background beach.jpg --despill --shrink 1 --feather 1.5   # cleaner edges
  videomatte live --source rtsp://mixer/program --virtual-camera --cuts off   # never reset at cuts
virtual camera set-up: Linux: sudo modprobe v4l2loopback devices=1 exclusive_caps=1 card_label=videomatte
                       Windows, macOS: install OBS Studio and start its virtual camera once"""


def _size(text: str) -> tuple[int, int]:
    from videomatte.live.sources import parse_size

    try:
        return parse_size(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``videomatte live``."""
    _add_source_and_output_arguments(parser)
    _add_matting_arguments(parser)
    end = parser.add_argument_group("ending")
    end.add_argument("--max-frames", type=int, metavar="N", help="stop after N output frames")
    end.add_argument("--duration", type=float, metavar="S", help="stop after S seconds")
    end.add_argument("--quiet", action="store_true", help="no live readout")


def _add_source_and_output_arguments(parser: argparse.ArgumentParser) -> None:
    src = parser.add_argument_group("source")
    src.add_argument("--source", default="0", metavar="SRC",
                     help="camera index or device, video file, stream URL, or testsrc (default 0)")
    src.add_argument("--size", type=_size, metavar="WxH", help="capture size (e.g. 1280x720)")
    src.add_argument("--fps", type=float, metavar="N", help="capture frame rate (default: the source's, else 30)")
    src.add_argument("--loop", action="store_true", help="replay a file source from the start when it ends")
    src.add_argument("--no-pace", dest="pace", action="store_false",
                     help="hand a file's frames over as fast as matting takes them (benchmarks)")
    out = parser.add_argument_group("outputs (any combination)")
    out.add_argument("--virtual-camera", action="store_true", help="send to a virtual camera (pyvirtualcam)")
    out.add_argument("--camera-device", metavar="DEV", help="virtual camera device (default: the first free one)")
    out.add_argument("--window", action="store_true", help="show a preview window (needs a display and OpenCV)")
    out.add_argument("--record", metavar="PATH",
                     help="record; the kind follows the extension as in convert (.mov/.webm/.mkv/DIR/ with alpha)")
    out.add_argument("--overwrite", action="store_true", help="replace an existing recording")
    out.add_argument("--stats", metavar="FILE.json", help="write the run's statistics as JSON at the end")


def _add_matting_arguments(parser: argparse.ArgumentParser) -> None:
    from videomatte.live.quality import QUALITIES

    look = parser.add_argument_group("picture")
    look.add_argument("--background", default="green", metavar="BG",
                      help="green|blue|black|white|gray, #RRGGBB, blur, an image or a video file (default green)")
    look.add_argument("--mirror", action="store_true", help="flip left to right (a selfie view)")
    look.add_argument("--cuts", default="auto", choices=["auto", "off"],
                      help="auto: restart the network's memory where the picture jumps to another shot (a "
                           "switcher, an edited file), so no ghost of the last shot remains (default); off: never")
    look.add_argument("--smooth", type=float, nargs="?", const=0.3, default=0.0, metavar="S",
                      help="blend each matte with the previous one by S in [0, 1) (0.3 if no S; default off)")
    model = add_model_arguments(parser, "a fixed downsample ratio in (0, 1] (overrides --quality)")
    model.add_argument("--quality", default="auto", choices=QUALITIES,
                       help="downsample ratio: high 512, balanced 320, fast 256, lowest 160 px on the long side; "
                            "auto picks the best that holds the frame rate (high to fast) and adjusts while "
                            "running, down to lowest when the whole loop cannot keep up (default)")


def _steps(changes: list) -> str:
    """``, 2 quality changes`` for the summary (nothing when the quality held)."""
    return f", {len(changes)} quality change{'s' if len(changes) > 1 else ''}" if changes else ""


def run(args: argparse.Namespace) -> int:
    """Run live until the source ends, a limit, q in the window or Ctrl-C (130); print a summary."""
    import sys

    from videomatte.errors import VideoMatteError
    from videomatte.live.loop import LiveMatting
    from videomatte.live.memory import keep_freed_memory

    if not (args.virtual_camera or args.window or args.record or args.stats):
        raise VideoMatteError("nothing to send the frames to: give --virtual-camera, --window, --record PATH "
                              "or --stats FILE.json")
    keep_freed_memory()  # steadier frame times; this process ends with the run
    try:
        live = LiveMatting(
            source=args.source, size=args.size, fps=args.fps, loop=args.loop, pace=args.pace,
            model=model_settings_from(args), quality=args.quality, background=args.background,
            mirror=args.mirror, smooth=args.smooth, virtual_camera=args.virtual_camera,
            camera_device=args.camera_device, window=args.window, record=args.record, overwrite=args.overwrite,
            max_frames=args.max_frames, duration=args.duration, readout=not args.quiet and sys.stderr.isatty(),
            cuts=args.cuts)
        stats = live.run()
    except ValueError as err:
        raise VideoMatteError(str(err)) from err
    if args.stats:
        stats.write(args.stats)
    info = stats.as_dict()
    print(f"videomatte: live: {info['frames_captured']} frames in, {info['frames_processed']} out, "
          f"{info['frames_dropped']} dropped; {info['fps']} fps; latency p50 {info['latency_ms']['p50']} ms, "
          f"p95 {info['latency_ms']['p95']} ms; ratio {info['ratio']} ({info['chosen']}"
          f"{_steps(info['quality_changes'])})", file=sys.stderr)
    return 130 if stats.interrupted else 0
