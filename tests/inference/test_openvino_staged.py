"""The live loop's two halves on OpenVINO (``OpenVinoStagedRunner``), tuned on their own
(``choose_runtime(staged=True)``), and the front half cut after its backbone for ``mixed``."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from media_clips import TINY_SIZE

from videomatte.inference import tuning
from videomatte.inference.openvino_runner import openvino_available
from videomatte.inference.tuning import Candidate

SIZE, RATIO = TINY_SIZE, 0.5
needs_openvino = pytest.mark.skipif(not openvino_available(), reason="the openvino extra is not installed")


def _frames(count: int, seed: int = 3) -> np.ndarray:
    from videomatte.export.checks import synthetic_frames

    return synthetic_frames(count, *SIZE, seed=seed).numpy()


def test_the_front_half_cut_after_its_backbone_hands_over_its_own_output(tiny_net):
    from videomatte.export.runner import FRONT_OUTPUTS, StagedRunner, open_session
    from videomatte.export.split import split_graph
    from videomatte.inference.tuning import static_graph

    front, back = static_graph(tiny_net, *SIZE, RATIO, staged=True)
    cut = split_graph(front, ("/backbone/",))
    assert "src_sm" in cut.cut  # a graph output made by the head's downsampling, not made twice
    head, tail = open_session(cut.head, threads=1), open_session(cut.tail, threads=1)
    whole = StagedRunner(front, back, threads=1)
    for frame in _frames(2):
        states = dict(zip(whole.state_names, whole.states))
        handed = dict(zip(cut.cut, head.run(list(cut.cut), {"src": frame[None]})))
        rest = [o.name for o in tail.get_outputs()]
        outputs = handed | dict(zip(rest, tail.run(rest, {"src": frame[None], **states, **handed})))
        want = whole.begin(frame[None])
        assert all(np.abs(outputs[name] - value).max() <= 1e-5
                   for name, value in zip(FRONT_OUTPUTS, [want["x1"], want["src_sm"], *whole.states]))


@needs_openvino
def test_openvino_halves_in_float32_match_onnxruntime_halves(tiny_net):
    from videomatte.export.runner import StagedRunner
    from videomatte.inference.openvino_staged import OpenVinoStagedRunner
    from videomatte.inference.tuning import static_graph

    graphs = static_graph(tiny_net, *SIZE, RATIO, staged=True)
    exact, runner = StagedRunner(*graphs, threads=1), OpenVinoStagedRunner(*graphs, "fp32", threads=1)
    frames = _frames(4)
    for index, frame in enumerate(frames):
        if index == 2:
            exact.reset(), runner.reset()
        begun = [r.begin(frame[None]) for r in (exact, runner)]  # the next frame begins before this finishes
        (want_fgr, want_pha), (fgr, pha) = (r.finish(b) for r, b in zip((exact, runner), begun))
        assert np.abs(pha - want_pha).max() <= 1e-5 and np.abs(fgr - want_fgr).max() <= 1e-5
        assert all(np.abs(a - b).max() <= 1e-5 for a, b in zip(runner.states, exact.states))


@needs_openvino
def test_a_live_frame_handed_as_a_picture_is_matted_and_composited_as_a_float_one(tiny_net, shared_graphs,
                                                                                  monkeypatch, tmp_path):
    from videomatte.inference.session import MattingSession
    from videomatte.live.frame_matter import FrameMatter

    monkeypatch.setenv("VIDEOMATTE_CACHE", str(tmp_path))
    monkeypatch.setattr(tuning, "candidates", lambda threads=0: [Candidate("openvino", "fp32", threads or 2)])
    mattes = []
    for backend in ("auto", "onnxruntime"):
        session = MattingSession(tiny_net, device="cpu", downsample_ratio=RATIO, backend=backend)
        session.overlap_stages(True)
        pictures = (_frames(3, seed=6).transpose(0, 2, 3, 1) * 255).round().astype(np.uint8)
        session.step(pictures[0])  # opens (and tunes) the halves
        for background in ("blur", "#102030"):
            matter = FrameMatter(session, background=background, mirror=True)
            prepared = [matter.prepare(picture) for picture in pictures]
            assert all(isinstance(p, np.ndarray) == (backend == "auto") for p in prepared)
            results = [matter.finish(matter.begin(p, prepared=True)) for p in prepared]
            mattes.append([(r.composite(), r.pha, r.src) for r in results])
    for (pictures_kept, floats) in zip(mattes[:2], mattes[2:]):
        for (composite, pha, src), (want_composite, want_pha, want_src) in zip(pictures_kept, floats):
            assert (pha - want_pha).abs().max() <= 1e-5 and (src - want_src).abs().max() <= 1e-6
            assert np.abs(composite.astype(int) - want_composite).max() <= 1


@needs_openvino
def test_the_overlapped_session_runs_the_halves_tuned_for_them(tiny_net, shared_graphs, monkeypatch, tmp_path):
    from videomatte.inference.openvino_staged import OpenVinoStagedRunner
    from videomatte.inference.session import MattingSession

    monkeypatch.setenv("VIDEOMATTE_CACHE", str(tmp_path))  # a tuning of its own, with the one candidate
    monkeypatch.setattr(tuning, "candidates", lambda threads=0: [Candidate("openvino", "fp32", threads or 2)])
    tuned = MattingSession(tiny_net, device="cpu", downsample_ratio=RATIO)
    exact = MattingSession(tiny_net, device="cpu", downsample_ratio=RATIO, backend="onnxruntime")
    assert tuned.overlap_stages(True) and exact.overlap_stages(True)
    for frame in torch.from_numpy(_frames(3, seed=8)):
        got, want = tuned.finish(tuned.begin(frame)), exact.finish(exact.begin(frame))
        assert (got.pha - want.pha).abs().max() <= 1e-5
    assert "in halves: openvino fp32, 1 thread" in tuned.runtime
    assert tuned.takes_pictures() and not exact.takes_pictures()  # OpenVINO halves convert pictures inside
    pictures = (_frames(3, seed=4).transpose(0, 2, 3, 1) * 255).round().astype(np.uint8)
    for picture in pictures:  # the picture as it is, converted inside both halves, against floats
        got, want = tuned.finish(tuned.begin(picture)), exact.finish(exact.begin(picture))
        assert (got.pha - want.pha).abs().max() <= 1e-5 and (got.fgr - want.fgr).abs().max() <= 1e-5
    tuned.despill = True  # despill reads the float frames: they are made before begin again
    assert not tuned.takes_pictures()
    assert any(isinstance(r, OpenVinoStagedRunner) for r in tuned.backend._runners.values())
    kept = next(tmp_path.rglob("runtime-*.json"))  # cached apart from the whole graph's choice
    assert '"threads": 1' in kept.read_text()
