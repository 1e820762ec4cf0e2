"""OpenVINO fed the decoded uint8 pictures (converted inside its compiled graph), and the CPU flags that
decide which precisions the tuner tries."""
from __future__ import annotations

import numpy as np
import pytest

from media_clips import TINY_SIZE
from videomatte.inference import cpu_info, tuning
from videomatte.inference.openvino_runner import openvino_available
from videomatte.inference.tuning import Candidate

SIZE, RATIO = TINY_SIZE, 0.5
needs_openvino = pytest.mark.skipif(not openvino_available(), reason="the openvino extra is not installed")
slow = pytest.mark.slow  # exports a graph and compiles it


def _pictures(count: int, seed: int = 5) -> np.ndarray:
    """uint8 ``[T, H, W, 3]`` pictures: smooth shapes (a network's input), not noise."""
    from videomatte.export.checks import synthetic_frames

    frames = synthetic_frames(count, *SIZE, seed=seed).numpy()
    return np.ascontiguousarray((frames * 255).round().astype(np.uint8).transpose(0, 2, 3, 1))


def test_bilinear_taps_are_torch_bilinear_resizing():
    import torch
    from torch.nn import functional as F

    from videomatte.inference.openvino_pictures import bilinear_taps

    image = torch.rand(1, 2, 37, 50, generator=torch.Generator().manual_seed(3), dtype=torch.float64)
    for size in ((13, 17), (18, 25), (37, 50), (5, 7)):  # odd ratios, exactly half, none, the edges clamped
        rows, row_weights = bilinear_taps(37, size[0], size[0] / 37)
        cols, col_weights = bilinear_taps(50, size[1], size[1] / 50)
        by_rows = (image[:, :, rows].reshape(1, 2, size[0], 2, 50) * torch.from_numpy(row_weights)[:, :, None]).sum(3)
        both = (by_rows[..., cols].reshape(1, 2, size[0], size[1], 2) * torch.from_numpy(col_weights)).sum(4)
        want = F.interpolate(image, size=size, mode="bilinear", align_corners=False)
        assert torch.allclose(both, want, atol=1e-12)


@slow
@needs_openvino
@pytest.mark.parametrize("ratio", [RATIO, 0.4])
def test_pictures_converted_inside_openvino_equal_float_frames(tiny_net, ratio):
    from videomatte.inference.openvino_parts import core
    from videomatte.inference.openvino_pictures import takes_pictures
    from videomatte.inference.openvino_runner import OpenVinoRunner
    from videomatte.inference.tuning import static_graph

    graph = static_graph(tiny_net, *SIZE, ratio)
    rewritten = takes_pictures(core().read_model(graph))
    thirds = [op for op in rewritten.get_ordered_ops() if op.get_type_name() == "Constant"
              and op.get_output_shape(0) == [1, 3] and np.allclose(op.get_data(), 1 / 3)]
    gathers = [op for op in rewritten.get_ordered_ops() if op.get_type_name() == "Gather"
               and op.input_value(0).get_node().get_type_name() == "Transpose"]
    assert not thirds and gathers  # the grey channel summed from the planes, the network's rows gathered
    runner = OpenVinoRunner(graph, "fp32", threads=1)
    pictures = _pictures(3)
    floats = [(runner.step(p.transpose(2, 0, 1)[None] / np.float32(255)), list(runner.states)) for p in pictures]
    runner.reset()
    kept = []
    for picture, ((fgr, pha), states) in zip(pictures, floats):
        got = runner.step_pictures(picture[None])
        kept.append((got[1].copy(), got[1]))
        assert got[0].shape == fgr.shape and got[1].shape == pha.shape == (1, 1, *SIZE)
        assert np.abs(got[1] - pha).max() <= 1e-5 and np.abs(got[0] - fgr).max() <= 1e-5
        assert all(np.abs(a - b).max() <= 1e-5 for a, b in zip(runner.states, states))
    assert all(np.array_equal(copy, held) for copy, held in kept)  # later frames wrote elsewhere


@pytest.fixture
def openvino_only(monkeypatch):
    """The tuner's only candidate: OpenVINO fp32 on one thread (so the session takes pictures)."""
    monkeypatch.setattr(tuning, "candidates", lambda threads=0: [Candidate("openvino", "fp32", 1)])


@slow
@needs_openvino
def test_the_session_on_openvino_matches_onnxruntime_across_cuts_and_resets(tiny_net, openvino_only, monkeypatch,
                                                                           tmp_path, shared_graphs):
    from videomatte.inference.session import MattingSession

    monkeypatch.setenv("VIDEOMATTE_CACHE", str(tmp_path))  # a tuning of its own, with the one candidate
    tuned = MattingSession(tiny_net, device="cpu", downsample_ratio=RATIO)
    exact = MattingSession(tiny_net, device="cpu", downsample_ratio=RATIO, backend="onnxruntime")
    pictures = _pictures(6, seed=9)
    for index, picture in enumerate(pictures):
        if index == 2:
            tuned.cut(), exact.cut()
        if index == 4:
            tuned.reset(), exact.reset()
        got, want = tuned.step(picture), exact.step(picture)
        assert (got.pha - want.pha).abs().max() <= 1e-5 and (got.fgr - want.fgr).abs().max() <= 1e-5
    assert "openvino fp32" in tuned.runtime
    chunk = tuned.step(pictures[:2])  # a chunk of two, and despill reading the frames converted later
    tuned.despill = True
    assert chunk.pha.shape == (2, 1, *SIZE) and tuned.step(pictures[2]).fgr.shape == (1, 3, *SIZE)


@pytest.mark.parametrize("flags, bf16", [({"avx2", "fma"}, False), ({"avx2", "avx512f", "avx512_vnni"}, False),
                                        ({"avx512f", "avx512_bf16"}, True), ({"avx2", "amx_bf16"}, True)])
def test_a_cpu_without_bf16_units_never_tries_bf16(monkeypatch, flags, bf16):
    monkeypatch.setattr(cpu_info, "_cpuinfo", lambda: ("Fake CPU", frozenset(flags)))
    monkeypatch.setattr(tuning, "cpu_has_bf16", cpu_info.cpu_has_bf16)
    monkeypatch.setattr(tuning, "cpu_cores", lambda: 2)
    precisions = {c.precision for c in tuning.candidates()}
    assert tuning.candidates()[0] == Candidate("onnxruntime", "fp32", 2)  # the reference is always there
    if not openvino_available():
        assert precisions == {"fp32"}
    else:
        assert ({"bf16", "mixed"} <= precisions) == bf16 and (precisions & {"bf16", "mixed"} == set()) != bf16
    assert cpu_info.cpu_signature().startswith("Fake CPU | ")


def test_without_openvino_faster_the_tuner_keeps_onnxruntime_fp32():
    from videomatte.inference.tuning import Trial, pick

    ort, ov = Candidate("onnxruntime", "fp32", 2), Candidate("openvino", "fp32", 2)
    assert pick([Trial(ort, 10.0, 0.0, True), Trial(ov, 10.5, 0.0, True)]) == ort  # slower
    assert pick([Trial(ort, 10.0, 0.0, True), Trial(ov, 9.8, 0.0, True)]) == ort  # within the margin
    assert pick([Trial(ort, 10.0, 0.0, True), Trial(ov, None, None, False, "failed")]) == ort
