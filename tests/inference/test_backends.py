"""``MattingSession`` gives the same mattes on every backend."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from media_clips import TINY_SIZE
from videomatte.inference.session import MattingSession

pytestmark = pytest.mark.slow  # the onnxruntime and TorchScript backends compile the network


@pytest.mark.parametrize("backend, ratio", [("torchscript", 0.5), ("onnxruntime", 0.5), ("onnxruntime", 1.0)])
def test_backends_agree_with_eager(random_weights, backend, ratio):
    rng = np.random.default_rng(0)
    chunks = [rng.integers(0, 256, (2, *TINY_SIZE, 3), dtype=np.uint8) for _ in range(2)]
    eager = MattingSession("mobilenetv3", random_weights, device="cpu", downsample_ratio=ratio, backend="torch")
    other = MattingSession("mobilenetv3", random_weights, device="cpu", downsample_ratio=ratio, backend=backend)
    for chunk in chunks:
        expected, actual = eager.step(chunk), other.step(chunk)
        assert actual.pha.shape == expected.pha.shape == (2, 1, *TINY_SIZE)
        assert torch.allclose(actual.pha, expected.pha, atol=5e-4)
        assert (actual.fgr - expected.fgr).abs().mean() <= 1e-6


def test_unknown_backend_is_refused(random_weights):
    with pytest.raises(ValueError, match="unknown backend"):
        MattingSession("mobilenetv3", random_weights, device="cpu", backend="tensorflow")


def test_staged_graphs_overlapped_on_two_threads_match_the_whole_graph(random_weights):
    """begin() of frame t+1 on one thread while finish() of frame t runs on another: same mattes, in order,
    and the same recurrent state (the halves of ``videomatte.export.stages`` chained = the whole graph)."""
    import queue
    import threading

    rng = np.random.default_rng(1)
    frames = [rng.integers(0, 256, (*TINY_SIZE, 3), dtype=np.uint8) for _ in range(6)]
    ratio = 0.5
    whole = MattingSession("mobilenetv3", random_weights, device="cpu", downsample_ratio=ratio, backend="onnxruntime")
    staged = MattingSession("mobilenetv3", random_weights, device="cpu", downsample_ratio=ratio, backend="onnxruntime")
    assert staged.overlap_stages() is True
    expected = [whole.step(f).pha for f in frames]
    flights: queue.Queue = queue.Queue(maxsize=1)
    got: list = []
    finisher = threading.Thread(target=lambda: [got.append(staged.finish(flights.get()).pha) for _ in frames])
    finisher.start()
    for frame in frames:
        flights.put(staged.begin(frame))
    finisher.join(timeout=60)
    assert len(got) == len(frames)
    for actual, want in zip(got, expected):
        assert actual.shape == (1, 1, *TINY_SIZE)
        assert (actual - want).abs().max() <= 1e-5
    for carried, want in zip(staged._rec, whole._rec):  # the front half carries the whole graph's state
        assert carried.shape == want.shape and (carried - want).abs().max() <= 1e-5
    staged.overlap_stages(False)
    staged.reset()
    assert (staged.step(frames[0]).pha - expected[0]).abs().max() <= 1e-5  # the whole graph again


def test_only_onnxruntime_on_the_cpu_splits_the_network(random_weights):
    eager = MattingSession("mobilenetv3", random_weights, device="cpu", backend="torch")
    assert eager.overlap_stages() is False
    flight = eager.begin(np.zeros((*TINY_SIZE, 3), np.uint8))  # begin does all the work; finish hands it over
    assert eager.finish(flight).pha.shape == (1, 1, *TINY_SIZE)
