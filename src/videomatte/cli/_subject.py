"""The subject flags shared by ``videomatte convert`` and ``videomatte live``."""
from __future__ import annotations

import argparse


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


def subject_from(args: argparse.Namespace):  # noqa: ANN201 - a SubjectPrompt or None, imported lazily
    """The ``SubjectPrompt`` the flags give (``SubjectError`` for bad values), or ``None``."""
    from videomatte.subject.prompt import SubjectPrompt

    return SubjectPrompt.from_cli(args.subject, args.subject_box, args.subject_mask)
