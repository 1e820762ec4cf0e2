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
from typing import NoReturn, Sequence

from videomatte import __version__
from videomatte.cli._help import ExampleFormatter
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


class OneLineParser(argparse.ArgumentParser):
    """An argument parser whose mistakes are one line on stderr (exit 2) pointing to ``--help``,
    instead of the usage block; its subcommand parsers are of the same class."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {printable(message)} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(
        prog="videomatte",
        description="Human video matting without a green screen (Robust Video Matting).",
        epilog="Example: videomatte convert input.mp4 -o output.mov   (ProRes 4444 with alpha)",
        formatter_class=ExampleFormatter,
    )
    parser.add_argument("--version", action="version", version=f"videomatte {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in _command_modules():
        child = sub.add_parser(
            module.COMMAND,
            help=module.HELP,
            description=getattr(module, "DESCRIPTION", module.HELP),
            epilog=getattr(module, "EPILOG", None),
            formatter_class=ExampleFormatter,
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
    return _run_command(args)


def printable(text: str) -> str:
    """``text`` on one line: control characters (a newline in a file name) escaped as Python writes them."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def error_line(err: BaseException | str) -> str:
    """``videomatte: error: MESSAGE`` on one line (control characters escaped, see :func:`printable`)."""
    return f"videomatte: error: {printable(str(err))}"


def _run_command(args: argparse.Namespace) -> int:
    """Run the chosen subcommand; SIGTERM and SIGHUP stop it as Ctrl-C does (outputs cleaned up), a
    second signal while stopping ends it at once (``cli/_signals.py``); an ``OSError`` is one line."""
    from videomatte.cli._signals import terminate_as_interrupt

    try:
        with terminate_as_interrupt():
            return int(args._run(args) or 0)
    except VideoMatteError as err:
        print(error_line(err), file=sys.stderr)
        return err.exit_code
    except KeyboardInterrupt as err:
        signum = getattr(err, "signum", None)
        print("videomatte: interrupted" + (f" by signal {signum}" if signum else ""), file=sys.stderr)
        return 128 + signum if signum else 130
    except BrokenPipeError:
        return 141
    except OSError as err:  # a path the checks could not foresee (a full disk, a vanished folder)
        where = f"{err.filename}: " if err.filename else ""
        print(error_line(f"{where}{err.strerror or err}"), file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
