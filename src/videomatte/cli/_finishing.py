"""The edge-colour and matte-finishing flags shared by ``videomatte convert`` and ``videomatte live``."""
from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from videomatte.finishing.settings import Finishing


def add_finishing_arguments(parser: argparse.ArgumentParser) -> None:
    """``--despill``, ``--levels``, ``--shrink`` and ``--feather`` in their own group."""
    group = parser.add_argument_group(
        "edges (see docs/quality.md)",
        "applied after the network and --subject; the matte as the network made it when none is given")
    group.add_argument("--despill", action="store_true",
                       help="clean the colours of the soft edge (hair, motion blur) of the old background, "
                            "so that no green or coloured rim shows over a new one; alpha is not changed")
    group.add_argument("--levels", metavar="LO,HI",
                       help="clip black and white: alpha below LO becomes 0, above HI 1, stretched between "
                            "(e.g. 0.05,0.95 removes a faint haze and fills pinholes)")
    group.add_argument("--shrink", type=float, default=0.0, metavar="PX",
                       help="move the edge inward by PX pixels, fractions allowed; negative grows "
                            "(e.g. 1.5 chokes away a rim, -1 grows)")
    group.add_argument("--feather", type=float, default=0.0, metavar="PX",
                       help="soften the edge over about PX pixels (e.g. 2)")


def finishing_from(args: argparse.Namespace) -> Finishing:
    """The ``Finishing`` the flags ask for (``OptionError`` for bad values)."""
    from videomatte.finishing.settings import Finishing

    return Finishing.from_cli(args.levels, args.shrink, args.feather)
