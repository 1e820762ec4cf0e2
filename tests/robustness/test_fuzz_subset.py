"""A fixed, seeded subset of the fuzzing campaign (``benchmarks/fuzz_convert.py``, results in
docs/robustness.md): mutated real inputs through ``videomatte convert``, each ending with an output that
decodes or one line and a non-zero exit; never a traceback, a crash, a hang, a partial file or a
changed input. It runs in a process of its own (the campaign forks a warm parent per case)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

CAMPAIGN = Path(__file__).resolve().parents[2] / "benchmarks" / "fuzz_convert.py"
CASES, SEED = 24, 2024


@pytest.mark.slow
def test_a_seeded_subset_of_the_fuzzing_campaign_finds_nothing(tmp_path):
    summary = tmp_path / "summary.json"
    src = Path(__file__).resolve().parents[2] / "src"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(src), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([sys.executable, str(CAMPAIGN), "--cases", str(CASES), "--seed", str(SEED),
                           "--seconds", "600", "--workdir", str(tmp_path / "work"), "--summary", str(summary)],
                          capture_output=True, text=True, env=env, timeout=900)
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(summary.read_text())
    assert result["cases"] == CASES
    assert result["failures"] == [], json.dumps(result["failures"], indent=1)
    assert set(result["outcomes"]) <= {"converted", "refused"}
    assert result["outcomes"].get("converted", 0) >= 2 and result["outcomes"].get("refused", 0) >= 5
