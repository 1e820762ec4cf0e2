"""Entry point of the ``videomatte`` command.

Every module in this package that defines ``COMMAND`` (its name), ``HELP`` (one line),
``add_arguments(parser)`` and ``run(args) -> int`` becomes a subcommand. Those modules must stay light
at import time (no torch, no av) so that ``videomatte --help`` answers at once; they import what
they need inside ``run``.
"""
from __future__ import annotations

import argparse
import importlib
import logging
import pkgutil
import sys
from types import ModuleType
from typing import Sequence

from videomatte import __version__
from videomatte.errors import VideoMatteError


def _command_modules() -> list[ModuleType]:
    import videomatte.cli as package

    found = []
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda i: i.name):
        if info.name in {"main"} or info.name.startswith("_"):
            continue
        module = importlib.import_module(f"videomatte.cli.{info.name}")
        if hasattr(module, "COMMAND"):
            found.append(module)
    return found


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="videomatte",
        description="Human video matting without a green screen (Robust Video Matting).",
        epilog="Example: videomatte convert input.mp4 -o output.mov   (ProRes 4444 with alpha)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"videomatte {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in _command_modules():
        child = sub.add_parser(
            module.COMMAND,
            help=module.HELP,
            description=getattr(module, "DESCRIPTION", module.HELP),
            epilog=getattr(module, "EPILOG", None),
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        module.add_arguments(child)
        child.set_defaults(_run=module.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the process exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="videomatte: %(message)s")
    if not hasattr(args, "_run"):
        parser.print_help()
        return 2
    try:
        return int(args._run(args) or 0)
    except VideoMatteError as err:
        print(f"videomatte: error: {err}", file=sys.stderr)
        return err.exit_code
    except KeyboardInterrupt:
        print("videomatte: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 141


if __name__ == "__main__":
    sys.exit(main())
