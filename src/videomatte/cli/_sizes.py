"""Frame sizes on the command line: ``WIDTHxHEIGHT`` everywhere (``1920x1080``), as video people write them."""
from __future__ import annotations

import argparse
import re
import sys

_SIZE = re.compile(r"\s*(\d+)\s*[xX×]\s*(\d+)\s*")


def frame_size(text: str) -> tuple[int, int]:
    """``"1920x1080"`` -> ``(1920, 1080)``: width then height, both above 0.

    Raises:
        argparse.ArgumentTypeError: anything else (argparse prints it as the option's one-line error).
    """
    match = _SIZE.fullmatch(text)
    if not match or int(match.group(1)) <= 0 or int(match.group(2)) <= 0:
        raise argparse.ArgumentTypeError(f"expected WIDTHxHEIGHT such as 1920x1080, got {text!r}")
    return int(match.group(1)), int(match.group(2))


def height_width(text: str) -> tuple[int, int]:
    """``"1920x1080"`` (WIDTHxHEIGHT) as ``(height, width)``, the order tensors use."""
    width, height = frame_size(text)
    return height, width


def note_portrait(option: str, height: int, width: int) -> None:
    """Say once on stderr that a portrait size is read as WIDTHxHEIGHT (these options were HEIGHTxWIDTH
    before 0.1.0, so ``288x512`` may mean a landscape frame to an older script)."""
    if width < height:
        print(f"videomatte: note: {option} {width}x{height} is WIDTHxHEIGHT, a portrait frame; "
              f"write {height}x{width} for landscape", file=sys.stderr)
