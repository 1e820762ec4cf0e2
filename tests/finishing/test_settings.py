"""``Finishing``: parsing and checking the flags' values."""
from __future__ import annotations

import pytest

from videomatte.errors import OptionError
from videomatte.finishing.settings import Finishing


def test_from_cli_parses_levels_and_pixels() -> None:
    finishing = Finishing.from_cli("0.05, 0.9", shrink=-1.5, feather=2)
    assert finishing == Finishing(levels=(0.05, 0.9), shrink=-1.5, feather=2.0)
    assert not finishing.is_identity
    assert Finishing.from_cli(None).is_identity


@pytest.mark.parametrize("levels", ["0.5", "a,b", "0.2,0.3,0.4", "0.6,0.4", "-0.1,0.5", "0.5,1.2"])
def test_bad_levels_are_one_line(levels: str) -> None:
    with pytest.raises(OptionError, match="levels"):
        Finishing.from_cli(levels)


@pytest.mark.parametrize("shrink,feather", [(101, 0), (float("nan"), 0), (0, -1), (0, 500)])
def test_pixels_out_of_range_are_refused(shrink: float, feather: float) -> None:
    with pytest.raises(OptionError):
        Finishing(shrink=shrink, feather=feather)


def test_settings_import_no_torch() -> None:
    import subprocess
    import sys

    code = "import sys, videomatte.finishing; assert 'torch' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)
