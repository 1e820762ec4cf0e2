"""The runtime chosen by measurement (``inference.tuning``), OpenVINO's runner, and ``backend="auto"``."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from media_clips import TINY_SIZE
from videomatte.export.runner import OnnxRunner
from videomatte.inference import tuning
from videomatte.inference.cpu_info import cpu_has_bf16, cpu_signature
from videomatte.inference.openvino_runner import openvino_available
from videomatte.inference.tuning import Candidate, Trial, choose_runtime, pick, static_graph

pytestmark = pytest.mark.slow  # the tests export a graph and compile it in two or three runtimes
SIZE, RATIO = TINY_SIZE, 0.5
needs_openvino = pytest.mark.skipif(not openvino_available(), reason="the openvino extra is not installed")
needs_bf16 = pytest.mark.skipif(not cpu_has_bf16(), reason="this CPU has neither AVX512-BF16 nor AMX")


def _frames(count: int = 3) -> np.ndarray:
    from videomatte.export.checks import synthetic_frames

    return synthetic_frames(count, *SIZE, seed=3).numpy()


@pytest.fixture(autouse=True)
def own_cache(tmp_path, monkeypatch, shared_graphs):
    """A cache of each test's own, so that what a test tunes or reads never depends on the tests before
    it (the graphs themselves are copied from the session's cache: tests/conftest.py)."""
    monkeypatch.setenv("VIDEOMATTE_CACHE", str(tmp_path / "cache"))


@pytest.fixture(autouse=True)
def quiet_machine(monkeypatch):
    """The machine's load as these tests see it: quiet (a busy machine's choice is tuned again later)."""
    from videomatte.inference import cpu_info

    monkeypatch.setattr(cpu_info, "load_average", lambda: 0.0)
    monkeypatch.setattr(tuning, "load_average", lambda: 0.0)


@pytest.fixture
def two_candidates(monkeypatch):
    """Only onnxruntime and OpenVINO fp32 on one thread (where installed): a tuning of a second or two."""
    kept = [c for c in tuning.candidates(1) if c.precision == "fp32"]
    monkeypatch.setattr(tuning, "candidates", lambda threads=0: kept)
    return kept


@pytest.fixture
def count_tunings(monkeypatch):
    calls = []
    real = tuning.run_trials

    def spy(*args, **kwargs):
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(tuning, "run_trials", spy)
    return calls


def test_the_tuner_keeps_a_candidate_within_budget_and_caches_it(tiny_net, two_candidates, count_tunings, monkeypatch):
    choice = choose_runtime(tiny_net, "cpu", torch.float32, *SIZE, RATIO, _frames())
    assert not choice.cached and choice.seconds > 0 and choice.signature == cpu_signature()
    assert [t.candidate for t in choice.trials] == two_candidates
    chosen = next(t for t in choice.trials if t.candidate == choice.candidate)
    assert chosen.accepted and chosen.mean_dpha <= tuning.budget_for(RATIO) and chosen.ms > 0
    assert choice.runner is not None and choice.runner.step(_frames(1))[1].shape == (1, 1, *SIZE)

    again = choose_runtime(tiny_net, "cpu", torch.float32, *SIZE, RATIO)  # a second session: read, not timed
    assert again.cached and again.candidate == choice.candidate and len(count_tunings) == 1
    assert [t.candidate for t in again.trials] == [t.candidate for t in choice.trials]

    monkeypatch.setattr(tuning, "cpu_signature", lambda: "Another CPU | avx2 | 64 cores")
    monkeypatch.setattr(tuning, "cpu_digest", lambda: "0123456789ab")
    moved = choose_runtime(tiny_net, "cpu", torch.float32, *SIZE, RATIO, _frames())
    assert not moved.cached and len(count_tunings) == 2  # another machine tunes again


def test_a_cache_written_on_another_cpu_is_not_trusted(tiny_net, two_candidates, count_tunings, monkeypatch):
    assert not choose_runtime(tiny_net, "cpu", torch.float32, *SIZE, RATIO, _frames()).cached
    tuned = len(count_tunings)
    monkeypatch.setattr(tuning, "cpu_signature", lambda: "Another CPU")  # same file name, other signature inside
    assert not choose_runtime(tiny_net, "cpu", torch.float32, *SIZE, RATIO, _frames()).cached
    assert len(count_tunings) == tuned + 1


def test_gpu_other_dtypes_and_fresh_tuning(tiny_net, two_candidates, count_tunings):
    assert choose_runtime(tiny_net, "cuda", torch.float32, *SIZE, RATIO).candidate == Candidate("torch")
    assert choose_runtime(tiny_net, "cpu", torch.bfloat16, *SIZE, RATIO).candidate == Candidate("torch")
    assert count_tunings == []
    choose_runtime(tiny_net, "cpu", torch.float32, *SIZE, RATIO, _frames())
    assert not choose_runtime(tiny_net, "cpu", torch.float32, *SIZE, RATIO, _frames(), fresh=True).cached


def test_pick_takes_the_fastest_within_budget_and_keeps_fp32_unless_clearly_beaten():
    ort, ov, bf16 = Candidate("onnxruntime", "fp32", 2), Candidate("openvino", "fp32", 2), Candidate("openvino", "bf16", 2)
    trials = [Trial(ort, 10.0, 0.0, True), Trial(ov, 9.0, 1e-7, True), Trial(bf16, 5.0, 9e-3, False, "over budget")]
    assert pick(trials) == ov
    trials[1].ms = 9.9  # 1 % faster: noise, the exact runtime stays
    assert pick(trials) == ort
    assert pick([Trial(ort, None, None, False, "failed")]) == Candidate("torch")


@needs_openvino
@needs_bf16
def test_a_bf16_candidate_over_budget_is_rejected(tiny_net):
    graph = static_graph(tiny_net, *SIZE, RATIO)
    trials, _, _ = tuning.run_trials(graph, _frames(), budget=1e-9, threads=1)
    by_precision = {t.candidate.precision: t for t in trials if t.candidate.runtime == "openvino"}
    assert by_precision["bf16"].mean_dpha > 1e-9 and not by_precision["bf16"].accepted
    assert "over budget" in by_precision["bf16"].note
    assert pick(trials) in (Candidate("onnxruntime", "fp32", 1), Candidate("openvino", "fp32", 1))


@needs_openvino
def test_openvino_matches_onnxruntime_fp32_and_mixed_stays_within_budget(tiny_net):
    from videomatte.inference.openvino_runner import OpenVinoRunner

    graph = static_graph(tiny_net, *SIZE, RATIO)
    frames = _frames(3)
    reference = OnnxRunner(graph, threads=1)
    expected = [reference.step(f[None]) for f in frames]
    precisions = ["fp32", "mixed"] if cpu_has_bf16() else ["fp32"]
    for precision in precisions:
        runner = OpenVinoRunner(graph, precision, threads=1)
        got = [runner.step(f[None]) for f in frames]
        dpha = np.mean([np.abs(g[1] - e[1]).mean() for g, e in zip(got, expected)])
        assert dpha <= (1e-5 if precision == "fp32" else tuning.budget_for(RATIO)), precision
        assert [s.shape for s in runner.states] == [s.shape for s in reference.states]
        runner.reset()
        assert all(not s.any() for s in runner.states)


def test_the_session_defaults_to_auto_and_names_its_runtime(tiny_net, two_candidates):
    from videomatte.inference.session import MattingSession

    fresh = MattingSession("mobilenetv3", None, device="cpu")
    assert fresh.backend.name == "auto" and "runtime='auto (tuned on first use" in repr(fresh)
    session = MattingSession(tiny_net, device="cpu", downsample_ratio=RATIO)
    matte = session.step(np.zeros((*SIZE, 3), np.uint8))
    assert matte.pha.shape == (1, 1, *SIZE)
    assert f"{SIZE[1]}x{SIZE[0]} @{RATIO:g}: " in repr(session)
    assert any(c.describe() in repr(session) for c in two_candidates)
    eager = MattingSession("mobilenetv3", None, device="cpu", backend="torch")
    assert "runtime='torch'" in repr(eager)



@needs_openvino
@needs_bf16
def test_frames_without_a_person_judge_no_bf16_and_are_not_cached(tiny_net, count_tunings, monkeypatch):
    ort, bf16 = Candidate("onnxruntime", "fp32", 1), Candidate("openvino", "bf16", 1)
    monkeypatch.setattr(tuning, "candidates", lambda threads=0: [ort, bf16])
    monkeypatch.setattr(tuning, "MIN_SUBJECT", 2.0)  # no alpha reaches it: as if nobody were in view
    first = choose_runtime(tiny_net, "cpu", torch.float32, *SIZE, RATIO, _frames(), threads=1)  # its own cache key
    verdicts = {t.candidate: t for t in first.trials}
    assert first.candidate == ort and verdicts[bf16].note == tuning.NOT_JUDGED and not verdicts[bf16].accepted
    assert not choose_runtime(tiny_net, "cpu", torch.float32, *SIZE, RATIO, _frames(), threads=1).cached
    assert len(count_tunings) == 2


def test_a_choice_tuned_on_a_busy_machine_is_tuned_again_once_it_is_quiet(tiny_net, two_candidates, count_tunings,
                                                                         monkeypatch):
    from videomatte.inference import cpu_info

    load = [4 * cpu_info.cpu_cores()]  # others are running
    monkeypatch.setattr(cpu_info, "load_average", lambda: load[0])
    monkeypatch.setattr(tuning, "load_average", lambda: load[0])
    busy = choose_runtime(tiny_net, "cpu", torch.float32, *SIZE, RATIO, _frames())
    assert not busy.cached and busy.load == load[0] and len(count_tunings) == 1
    assert choose_runtime(tiny_net, "cpu", torch.float32, *SIZE, RATIO, _frames()).cached  # still busy: kept
    load[0] = 0.5
    assert choose_runtime(tiny_net, "cpu", torch.float32, *SIZE, RATIO, _frames()).cached  # one runtime per process
    assert len(count_tunings) == 1
    tuning._KEPT.clear()  # a later process
    quiet = choose_runtime(tiny_net, "cpu", torch.float32, *SIZE, RATIO, _frames())
    assert not quiet.cached and len(count_tunings) == 2  # the quiet machine tunes again, once
    load[0] = 4 * cpu_info.cpu_cores()
    assert choose_runtime(tiny_net, "cpu", torch.float32, *SIZE, RATIO, _frames()).load == 0.5
    assert len(count_tunings) == 2


def test_two_close_candidates_are_timed_again_and_a_clear_winner_is_not():
    from videomatte.inference.tuning import Trial, settle_close_call

    calls = {"a": 0, "b": 0, "c": 0}

    def stepper(name):
        def step(frame):
            calls[name] += 1
            return frame[:, :1]
        return step

    a, b, c = Candidate("onnxruntime", "fp32", 2), Candidate("openvino", "bf16", 2), Candidate("openvino", "mixed", 2)
    steppers = {a: stepper("a"), b: stepper("b"), c: stepper("c")}
    frames = np.zeros((2, 3, 4, 4), np.float32)
    trials = [Trial(a, 80.0, 0.0, True), Trial(b, 58.0, 4e-4, True), Trial(c, 57.1, 2e-4, True)]
    settle_close_call(trials, steppers, frames)
    assert calls["a"] == 0 and calls["b"] == calls["c"] > 0  # the close pair only, in the same turns
    assert trials[1].ms < 58.0 and trials[2].ms < 57.1 and trials[0].ms == 80.0
    clear = [Trial(a, 80.0, 0.0, True), Trial(b, 46.0, 4e-4, True), Trial(c, 55.0, 2e-4, True)]
    settle_close_call(clear, steppers, frames)
    assert calls["b"] == calls["c"] and [t.ms for t in clear] == [80.0, 46.0, 55.0]
