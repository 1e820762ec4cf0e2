"""``videomatte serve``: the web page (convert uploads, matte a webcam live) and its HTTP API."""
from __future__ import annotations

import argparse

COMMAND = "serve"
HELP = "serve a web page for converting videos and matting a webcam (needs the web extra)"
DESCRIPTION = """\
Serve the web page: upload videos (or a zip of images), preview the result and download it, or matte
the browser's webcam live. Conversions run through the same code as `videomatte convert`, one at a
time by default (--concurrency); others wait in a queue. Uploads and outputs live in a temporary folder
per browser session, deleted when the session ends or after --session-ttl seconds.
The page has no login: binding to anything but localhost prints a warning; --auth adds a password."""
EPILOG = """\
examples:
  videomatte serve                                   # http://127.0.0.1:7860
  videomatte serve --host 0.0.0.0 --auth me:secret   # reachable from the network, with a password
  videomatte serve --max-upload-mb 200 --max-duration 120 --concurrency 2

from a script (pip install gradio_client):
  from gradio_client import Client, handle_file
  client = Client("http://127.0.0.1:7860/")
  files = client.predict(handle_file("in.mp4"), api_name="/convert")   # [.mov, alpha .mp4]"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``videomatte serve``."""
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1, this machine only)")
    parser.add_argument("--port", type=int, default=7860, help="port (default 7860)")
    parser.add_argument("--auth", metavar="USER:PASS", help="require this user name and password")
    parser.add_argument("--concurrency", type=int, default=1, metavar="N",
                        help="conversions run at once; the rest wait in a queue (default 1)")
    parser.add_argument("--max-upload-mb", type=float, default=500.0, metavar="MB",
                        help="largest upload accepted (default 500)")
    parser.add_argument("--max-duration", type=float, default=600.0, metavar="S",
                        help="longest video accepted, in seconds (default 600)")
    parser.add_argument("--session-ttl", type=float, default=3600.0, metavar="S",
                        help="delete a session's files after this many seconds at most (default 3600)")
    parser.add_argument("--weights", default="official",
                        help="'official' (fetched once, then cached), a weights file, or 'none' (random, for tests)")
    parser.add_argument("--device", default="auto", help="auto, cpu, cuda, cuda:N or mps (default auto)")


def parse_auth(text: str | None) -> tuple[str, str] | None:
    """``user:pass`` as a pair; raises ``VideoMatteError`` for anything else."""
    from videomatte.errors import VideoMatteError

    if text is None:
        return None
    user, sep, password = text.partition(":")
    if not sep or not user or not password:
        raise VideoMatteError("--auth must be USER:PASS (both non-empty)")
    return user, password


def run(args: argparse.Namespace) -> int:
    """Serve until interrupted."""
    from videomatte.errors import VideoMatteError

    auth = parse_auth(args.auth)
    try:
        from videomatte.inference.model_settings import ModelSettings
        from videomatte.web.app import launch
        from videomatte.web.settings import ServeSettings
    except ImportError as err:
        raise VideoMatteError(f"the web page needs the web extra: pip install 'videomatte[web]' ({err})") from None
    try:
        settings = ServeSettings(max_upload_mb=args.max_upload_mb, max_duration_s=args.max_duration,
                                 concurrency=args.concurrency, session_ttl_s=args.session_ttl,
                                 model=ModelSettings(weights=None if args.weights == "none" else args.weights,
                                                     device=args.device))
    except ValueError as err:
        raise VideoMatteError(str(err)) from None
    try:
        launch(settings, host=args.host, port=args.port, auth=auth, block=True)
    except OSError as err:
        raise VideoMatteError(f"cannot serve on {args.host}:{args.port} ({err})") from None
    return 0
