"""Two processes under torchrun (Gloo on CPU) keep identical replicas while reading different data."""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import torch

from test_train_trainer import TINY

WORKER = Path(__file__).with_name("ddp_worker.py")


@pytest.mark.slow
def test_two_process_gloo_run_keeps_replicas_identical(data_root: Path) -> None:
    torchrun = shutil.which("torchrun")
    if torchrun is None:
        pytest.skip("torchrun is not on PATH")
    config = data_root / "ddp.toml"
    config.write_text(TINY.replace("max_steps = 6", "max_steps = 2").replace("validate_every = 100", "validate_every = 1")
                      .replace('matting_train = "vm/train"', 'matting_train = "vm/train"\nmatting_valid = "vm/valid"'))
    out = data_root / "ddp"
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": os.pathsep.join([str(Path("src").resolve()), os.environ.get("PYTHONPATH", "")])}
    result = subprocess.run(
        [torchrun, "--standalone", "--nproc-per-node", "2", str(WORKER), str(config), str(data_root), str(out)],
        capture_output=True, text=True, timeout=300, env=env,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    ranks = [torch.load(out / f"rank{r}.pt", weights_only=True) for r in range(2)]
    assert ranks[0]["world_size"] == ranks[1]["world_size"] == 2
    for key, value in ranks[0]["model"].items():
        assert torch.equal(value, ranks[1]["model"][key]), key
    assert not torch.equal(ranks[0]["first_batch"], ranks[1]["first_batch"])  # per-rank sampling
    final = torch.load(out / "final.pt", weights_only=True)  # loadable as plain weights
    assert final["step"] == 2 and final["world_size"] == 2
