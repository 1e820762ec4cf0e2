"""Despill and finishing reach every door: the session, convert's options and flags, live, the page."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from videomatte.cli.main import main
from videomatte.finishing.matte import finish_matte
from videomatte.finishing.settings import Finishing
from videomatte.conversion.convert_options import ConvertOptions
from videomatte.inference.session import MattingSession
from videomatte.io.readers import open_reader
from videomatte.models.registry import build_network


@pytest.fixture(scope="module")
def network() -> torch.nn.Module:
    torch.manual_seed(0)
    net = build_network("mobilenetv3").eval()
    with torch.no_grad():  # an alpha with soft parts all over the picture
        net.project_mat.conv.bias[3] = 0.0
        net.project_mat.conv.weight[3] *= 0.2
    return net


def _frames(count: int = 1) -> np.ndarray:
    return np.random.default_rng(0).integers(0, 256, (count, 48, 64, 3), dtype=np.uint8)


def _mattes(session: MattingSession) -> list:
    return [session.step(frame) for frame in _frames()]


def test_off_is_bit_identical_and_despill_leaves_alpha_alone(network: torch.nn.Module) -> None:
    plain = _mattes(MattingSession(network, device="cpu", backend="torch", downsample_ratio=0.5))
    off = _mattes(MattingSession(network, device="cpu", backend="torch", downsample_ratio=0.5, despill=False, finishing=Finishing()))
    clean = _mattes(MattingSession(network, device="cpu", backend="torch", downsample_ratio=0.5, despill=True))
    for a, b, c in zip(plain, off, clean):
        assert torch.equal(a.fgr, b.fgr) and torch.equal(a.pha, b.pha)
        assert torch.equal(a.pha, c.pha), "despill never changes alpha"
        soft = (a.pha > 1 / 255) & (a.pha < 1 - 1 / 255)
        assert soft.any() and not torch.equal(a.fgr, c.fgr)
        assert torch.equal(a.fgr.masked_select(~soft.expand_as(a.fgr)), c.fgr.masked_select(~soft.expand_as(c.fgr)))


def test_session_finishing_is_applied_to_the_selected_matte(network: torch.nn.Module) -> None:
    finishing = Finishing(levels=(0.3, 0.7), shrink=0.5)
    plain = _mattes(MattingSession(network, device="cpu", backend="torch", downsample_ratio=0.5))
    finished = _mattes(MattingSession(network, device="cpu", backend="torch", downsample_ratio=0.5, finishing=finishing))
    for a, b in zip(plain, finished):
        assert torch.equal(b.pha, finish_matte(a.pha, finishing))
        assert torch.equal(a.fgr, b.fgr)


def test_convert_flags_become_options() -> None:
    import argparse

    from videomatte.cli.convert import add_arguments, options_from

    parser = argparse.ArgumentParser()
    add_arguments(parser)
    args = parser.parse_args(["in.mp4", "-o", "out.mov", "--despill", "--levels", "0.05,0.95", "--shrink", "-1.5",
                              "--feather", "2", "--weights", "none"])
    options = options_from(args)
    assert options.model.despill and options.model.finishing == Finishing((0.05, 0.95), -1.5, 2.0)
    assert ConvertOptions().model.finishing.is_identity and not ConvertOptions().model.despill


def test_bad_levels_flag_is_one_line(odd_clip, tmp_path, capsys) -> None:  # noqa: ANN001
    assert main(["convert", str(odd_clip), "-o", str(tmp_path / "o.mov"), "--levels", "0.9,0.1"]) != 0
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--levels" in err[0]
    assert not list(tmp_path.iterdir())


def test_convert_writes_finished_alpha_and_despilled_colour(odd_clip, random_weights, tmp_path) -> None:  # noqa: ANN001
    base = ["convert", str(odd_clip), "--weights", str(random_weights), "--device", "cpu", "--ratio", "1",
            "--quiet"]
    assert main([*base, "--alpha", f"{tmp_path}/plain/"]) == 0
    assert main([*base, "--alpha", f"{tmp_path}/levels/", "--levels", "0.4,0.6", "--despill",
                 "--foreground", f"{tmp_path}/fg/"]) == 0
    with open_reader(tmp_path / "plain") as plain, open_reader(tmp_path / "levels") as clipped:
        for a, b in zip(plain, clipped):
            expected = np.clip((a.image[..., 0] / 255.0 - 0.4) / 0.2, 0, 1)
            assert np.abs(b.image[..., 0] / 255.0 - expected).max() <= 2.5 / 255 / 0.2 + 1e-6
    assert len(list((tmp_path / "fg").iterdir())) == 6


def test_live_options_carry_the_settings_to_the_session_and_d_toggles_despill(random_weights) -> None:  # noqa: ANN001
    from videomatte.live.live_options import LiveOptions
    from videomatte.live.window import Controls

    session = LiveOptions().replace(weights=str(random_weights), device="cpu", despill=True,
                                    finishing=Finishing(feather=1.0)).make_session()
    assert session.despill and session.finishing == Finishing(feather=1.0)

    class Matter:
        pass

    matter = Matter()
    matter.session = session
    assert Controls().press(ord("d"), matter) == "despill" and not session.despill
