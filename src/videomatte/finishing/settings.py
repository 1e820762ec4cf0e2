"""``Finishing``: what is done to the matte after the network and the subject selection.

Editors' usual controls (Keylight's clip black/white and shrink/grow, After Effects' choke and feather):
clip the levels, shrink or grow the edge by a fraction of a pixel or more, feather it. Light (no
torch), so that the command line checks the values before anything loads; the work is in
:mod:`videomatte.finishing.matte`.
"""
from __future__ import annotations

from dataclasses import dataclass

from videomatte.errors import OptionError

MAX_PIXELS = 100.0  # shrink and feather beyond this are surely a typo (and cost a blur that wide)


@dataclass(frozen=True)
class Finishing:
    """Finishing of the matte, applied in this order; the default does nothing (bit for bit).

    Attributes:
        levels: ``(lo, hi)`` with ``0 <= lo < hi <= 1``: alpha below ``lo`` becomes 0, above ``hi`` 1, and
            between is stretched linearly (``clip((a - lo) / (hi - lo), 0, 1)``).
        shrink: pixels to move the edge inward (negative: outward, growing the matte), fractions
            included; the edge keeps its softness.
        feather: pixels of softness added to the edge (a Gaussian blur of sigma ``feather / 2``).

    Raises:
        OptionError: a value out of range (from the constructor).
    """

    levels: tuple[float, float] = (0.0, 1.0)
    shrink: float = 0.0
    feather: float = 0.0

    def __post_init__(self) -> None:
        if len(self.levels) != 2:
            raise OptionError(f"levels take two values LO,HI, got {self.levels!r}")
        low, high = (float(v) for v in self.levels)
        object.__setattr__(self, "levels", (low, high))
        if not 0 <= low < high <= 1:
            raise OptionError(f"--levels LO,HI needs 0 <= LO < HI <= 1, got {low:g},{high:g}")
        if not abs(self.shrink) <= MAX_PIXELS:
            raise OptionError(f"--shrink must be within +-{MAX_PIXELS:g} pixels, got {self.shrink:g}")
        if not 0 <= self.feather <= MAX_PIXELS:
            raise OptionError(f"--feather must be 0 to {MAX_PIXELS:g} pixels, got {self.feather:g}")

    @property
    def is_identity(self) -> bool:
        """Whether these settings leave every matte as it is."""
        return self.levels == (0.0, 1.0) and self.shrink == 0 and self.feather == 0

    @classmethod
    def from_cli(cls, levels: str | None = None, shrink: float = 0.0, feather: float = 0.0) -> Finishing:
        """From the command line's ``--levels LO,HI``, ``--shrink PX`` and ``--feather PX``.

        Raises:
            OptionError: ``levels`` that are not two numbers, or any value out of range.
        """
        pair = (0.0, 1.0)
        if levels is not None:
            parts = levels.replace(" ", "").split(",")
            try:
                pair = tuple(float(p) for p in parts)  # type: ignore[assignment]
            except ValueError:
                raise OptionError(f"--levels takes LO,HI (two numbers in 0..1), got {levels!r}") from None
            if len(pair) != 2:
                raise OptionError(f"--levels takes LO,HI (two numbers in 0..1), got {levels!r}")
        return cls(levels=pair, shrink=shrink, feather=feather)
