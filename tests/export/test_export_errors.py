"""Bad export arguments give clear errors, and a failed export leaves no file behind."""
from __future__ import annotations

import pytest

from media_clips import TINY_SIZE
from videomatte.cli.main import main
from videomatte.errors import ExportError
from videomatte.export.onnx import OnnxSettings, export_onnx


@pytest.mark.parametrize("settings, message", [
    (OnnxSettings(static=(64, 96)), "--static needs --ratio"),
    (OnnxSettings(ratio=0.0), "--ratio must be in"),
    (OnnxSettings(ratio=1.5), "--ratio must be in"),
    (OnnxSettings(fp16=True, int8=True), "exclude each other"),
    (OnnxSettings(opset=9), "--opset must be"),
    (OnnxSettings(int8=True), "calibration"),
])
def test_bad_settings_are_refused_before_any_work(tiny_net, tmp_path, settings, message):
    with pytest.raises(ExportError, match=message):
        export_onnx(tiny_net, tmp_path / "m.onnx", settings)
    assert list(tmp_path.iterdir()) == []


def test_unwritable_outputs_are_refused(tiny_net, tmp_path):
    with pytest.raises(ExportError, match="does not exist"):
        export_onnx(tiny_net, tmp_path / "missing" / "m.onnx")
    with pytest.raises(ExportError, match="is a directory"):
        export_onnx(tiny_net, tmp_path)


def test_failed_check_leaves_no_file(tiny_net, tmp_path, monkeypatch, shared_graphs):
    import videomatte.export.onnx as module

    def fail(*args, **kwargs):
        raise ExportError("differs from the eager network")

    monkeypatch.setattr(module, "check_parity", fail)
    with pytest.raises(ExportError):  # the graph written (by the session's cache: tests/conftest.py), then refused
        export_onnx(tiny_net, tmp_path / "m.onnx", OnnxSettings(ratio=0.5, static=TINY_SIZE))
    assert len(shared_graphs) == 1 and list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("argv, message", [
    (["--format", "onnx", "--static", "96x64"], "--static needs --ratio"),
    (["--format", "onnx", "--fp16", "--quantize", "int8"], "exclude each other"),
    (["--format", "torchscript", "--static", "96x64", "--ratio", "0.5"], "apply to --format onnx only"),
    (["--format", "onnx", "--quantize", "int8"], "--calibration"),
])
def test_cli_errors_are_one_line(tmp_path, capsys, argv, message):
    code = main(["export", "-o", str(tmp_path / "m.onnx"), "--weights", "none", *argv])
    err = capsys.readouterr().err
    assert code != 0 and message in err and err.count("\n") == 1
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("argv", [["--format", "tflite"], ["--format", "onnx", "--static", "big"]])
def test_cli_rejects_unknown_values(tmp_path, argv):
    with pytest.raises(SystemExit) as exit_info:
        main(["export", "-o", str(tmp_path / "m.onnx"), *argv])
    assert exit_info.value.code == 2


def test_int8_is_judged_on_alpha_alone_and_fp32_on_everything():
    import torch

    from videomatte.errors import ExportError
    from videomatte.export.checks import compare

    expected = [[torch.zeros(1, 3, 4, 4), torch.zeros(1, 1, 4, 4), torch.zeros(1, 2, 2, 2)]]
    flipped_state = [[torch.zeros(1, 3, 4, 4), torch.full((1, 1, 4, 4), 0.01), torch.full((1, 2, 2, 2), 2.0)]]
    assert compare(expected, flipped_state, "int8", "int8").mean_pha == pytest.approx(0.01)
    with pytest.raises(ExportError, match="alpha mean 0.05"):
        compare(expected, [[expected[0][0], torch.full((1, 1, 4, 4), 0.2), expected[0][2]]], "int8", "int8")
    with pytest.raises(ExportError, match="max 0.0005"):
        compare(expected, flipped_state, "fp32", "fp32")
