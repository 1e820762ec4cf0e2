"""The seed options survive export: scripted submodules, TorchScript exports (ConvLSTM, PRM) and
fixed-shape ONNX exports of every option (``videomatte export``), checked against eager."""
from __future__ import annotations

import pytest
import torch

from videomatte.models.designs.background_restoration import BackgroundRestoration
from videomatte.models.blocks.decoder import RecurrentDecoder
from videomatte.models.designs.patch_refinement import PatchRefiner
from videomatte.models.registry import build_network


def test_submodules_script_and_match_eager() -> None:
    torch.manual_seed(0)
    prm = PatchRefiner().eval()
    args = (torch.rand(1, 3, 37, 53), torch.rand(1, 3, 18, 26), torch.rand(1, 3, 18, 26), torch.rand(1, 1, 18, 26),
            torch.rand(1, 16, 18, 26))
    for ours, theirs in zip(prm(*args), torch.jit.script(prm)(*args)):
        torch.testing.assert_close(ours, theirs)
    torch.jit.script(RecurrentDecoder((16, 24, 40, 128), (80, 40, 32, 16), cell="lstm"))
    torch.jit.script(BackgroundRestoration(24))


@pytest.mark.parametrize("name,refiner,threshold", [
    ("mobilenetv3_convlstm_brm", "deep_guided_filter", None),
    ("deeplab_convlstm", "fast_guided_filter", None),
    ("mobilenetv3", "prm", -1.0),   # every patch refined
    ("mobilenetv3", "prm", 2.0),    # no patch refined
])
def test_videomatte_export_writes_checked_fixed_shape_onnx(tmp_path, name: str, refiner: str, threshold) -> None:
    pytest.importorskip("onnxruntime")
    from videomatte.export.onnx import OnnxSettings, export_onnx

    torch.manual_seed(0)
    net = build_network(name, refiner).eval()
    if threshold is not None:
        net.refiner.threshold = threshold
    report = export_onnx(net, tmp_path / "model.onnx", OnnxSettings(ratio=0.5, static=(45, 61)))
    assert report.path.is_file() and report.parity.size == (45, 61) and report.parity.max_abs <= 5e-4


def test_variants_need_fixed_shapes_and_float32(tmp_path) -> None:
    from videomatte.errors import ExportError
    from videomatte.export.onnx import OnnxSettings, export_onnx
    from videomatte.export.torchscript import export_torchscript

    net = build_network("mobilenetv3_convlstm").eval()
    with pytest.raises(ExportError, match="--static WxH and --ratio R"):
        export_onnx(net, tmp_path / "m.onnx")
    with pytest.raises(ExportError, match="float32 only"):
        export_onnx(net, tmp_path / "m.onnx", OnnxSettings(ratio=0.5, static=(32, 32), fp16=True))
    with pytest.raises(ExportError, match="TorchScript export does not support"):
        export_torchscript(build_network("mobilenetv3_brm").eval(), tmp_path / "m.pt")
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize("name,refiner", [("mobilenetv3_convlstm", "deep_guided_filter"), ("mobilenetv3", "prm")])
def test_torchscript_export_of_the_convlstm_and_prm_options(tmp_path, name: str, refiner: str) -> None:
    from videomatte.export.torchscript import export_torchscript

    torch.manual_seed(0)
    report = export_torchscript(build_network(name, refiner).eval(), tmp_path / "model.pt")
    assert report.path.is_file() and report.parity.max_abs <= 5e-4


def test_a_session_runs_a_variant_in_onnxruntime() -> None:
    import numpy as np

    from videomatte.inference.session import MattingSession

    torch.manual_seed(0)
    net = build_network("mobilenetv3_brm").eval()
    eager = MattingSession(net, backend="torch", device="cpu", downsample_ratio=0.5)
    ort = MattingSession(net, backend="onnxruntime", device="cpu", downsample_ratio=0.5)
    for frame in (np.random.default_rng(0).random((3, 40, 56, 3)) * 255).astype(np.uint8):
        a, b = eager.step(frame), ort.step(frame)
        torch.testing.assert_close(b.pha, a.pha, rtol=0, atol=1e-5)
        torch.testing.assert_close(b.fgr, a.fgr, rtol=0, atol=1e-5)
