"""``videomatte bench model`` pieces: MAC counting and the side-by-side timing loop."""
from __future__ import annotations

import numpy as np

from videomatte.export.runtime_bench import BenchRow, count_gmacs, format_table, run_side_by_side


def test_gmacs_match_the_paper(tiny_net):
    # The paper: 4.57 GMACs at 512x288 (ratio 1) for RVM MobileNetV3.
    assert abs(count_gmacs(tiny_net, 288, 512, 1.0) - 4.57) / 4.57 < 0.05


def test_side_by_side_gives_every_runtime_the_same_consecutive_frames():
    seen = {"a": [], "b": []}

    def make(name):
        def step(frame):
            seen[name].append(int(frame[0, 0, 0, 0]))
            return frame[:, :1]
        return step

    frames = np.arange(3, dtype=np.float32).reshape(3, 1, 1, 1) * np.ones((3, 3, 4, 4), np.float32)
    results = run_side_by_side({"a": make("a"), "b": make("b")}, frames, rounds=5, block=4)
    # a warm-up round plus 5 timed rounds of 4 frames, the frames cycling in order for each runtime
    assert seen["a"] == seen["b"] == [k % 3 for k in range(24)]
    assert all(len(alphas) == 24 and fps > 0 for fps, alphas in results.values())


def test_table_has_a_speed_up_column():
    rows = [BenchRow("base", (288, 512), 1.0, 10.0, 0.0), BenchRow("fast", (288, 512), 1.0, 15.0, 1e-7)]
    table = format_table(rows, baseline="base")
    assert "| 512x288 | 1 | fast | 15.00 | 1.0e-07 | 1.50x |" in table
