"""``videomatte bench model`` pieces: MAC counting and the side-by-side timing loop."""
from __future__ import annotations

import numpy as np

from videomatte.export.bench import BenchRow, count_gmacs, format_table, run_side_by_side


def test_gmacs_match_the_paper(tiny_net):
    # The paper: 4.57 GMACs at 512x288 (ratio 1) for RVM MobileNetV3.
    assert abs(count_gmacs(tiny_net, 288, 512, 1.0) - 4.57) / 4.57 < 0.05


def test_side_by_side_runs_every_runtime_on_every_round():
    calls = {"a": 0, "b": 0}

    def make(name):
        def step(frame):
            calls[name] += 1
            return frame[:, :1]
        return step

    results = run_side_by_side({"a": make("a"), "b": make("b")}, np.zeros((2, 3, 4, 4), np.float32), rounds=5)
    assert calls == {"a": 7, "b": 7} and all(len(r[1]) == 5 and r[0] > 0 for r in results.values())


def test_table_has_a_speed_up_column():
    rows = [BenchRow("base", (288, 512), 1.0, 10.0, 0.0), BenchRow("fast", (288, 512), 1.0, 15.0, 1e-7)]
    table = format_table(rows, baseline="base")
    assert "| 512x288 | 1 | fast | 15.00 | 1.0e-07 | 1.50x |" in table
