"""TorchScript export: saved, reloaded, and equal to the eager network with the state carried."""
from __future__ import annotations

import pytest
import torch

from export_helpers import MAX_TOL, MEAN_TOL, frames

pytestmark = pytest.mark.slow  # scripting and the check take several seconds


@pytest.fixture(scope="module")
def scripted(tiny_net, export_dir):
    from videomatte.export.torchscript import export_torchscript, load_torchscript

    path = export_torchscript(tiny_net, export_dir / "model.pt").path
    return load_torchscript(path)


@pytest.mark.parametrize("ratio, size", [(0.5, (64, 96)), (1.0, (41, 73))])
def test_round_trip_ten_frames(tiny_net, scripted, ratio, size):
    clip = frames(*size)
    rec_e, rec_s, diffs = [None] * 4, [None] * 4, []
    with torch.inference_mode():
        for frame in clip:
            out_e = tiny_net(frame[None], *rec_e, downsample_ratio=ratio)
            out_s = scripted(frame[None], rec_s[0], rec_s[1], rec_s[2], rec_s[3], ratio)
            rec_e, rec_s = out_e[2:], out_s[2:]
            diffs += [(a - b).abs().flatten() for a, b in zip(out_e, out_s)]
    flat = torch.cat(diffs)
    assert flat.mean() <= MEAN_TOL and flat.max() <= MAX_TOL


def test_time_series_input(tiny_net, scripted):
    clip = frames(48, 64, count=3)[None]
    with torch.inference_mode():
        expected = tiny_net(clip, downsample_ratio=0.5)
        actual = scripted(clip, None, None, None, None, 0.5)
    assert actual[1].shape == (1, 3, 1, 48, 64)
    assert all(torch.allclose(a, b, atol=1e-5) for a, b in zip(expected, actual))


def test_loading_a_non_torchscript_file_is_a_clear_error(tmp_path):
    from videomatte.errors import ExportError
    from videomatte.export.torchscript import load_torchscript

    path = tmp_path / "x.pt"
    path.write_bytes(b"not a model")
    with pytest.raises(ExportError, match="not a loadable TorchScript file"):
        load_torchscript(path)
