"""Run by ``torchrun`` in ``test_train_ddp.py``: trains a tiny config, then saves this rank's weights.

Usage: ``torchrun --standalone --nproc-per-node 2 ddp_worker.py CONFIG DATA_ROOT OUT``.
"""
from __future__ import annotations

import sys
from pathlib import Path

import torch

from videomatte.training import distributed
from videomatte.training.config import load_config
from videomatte.training.trainer import Trainer


def run(config_path: str, root: str, out: str) -> None:
    trainer = Trainer(load_config(config_path), Path(out), root=Path(root))
    trainer.run()
    state = {"model": trainer.network.state_dict(), "world_size": trainer.ctx.world_size,
             "first_batch": trainer._loader(trainer.data.matting, 1, range(1), 1).__next__()["pha"]}
    torch.save(state, Path(out) / f"rank{trainer.ctx.rank}.pt")
    distributed.cleanup()


if __name__ == "__main__":
    run(*sys.argv[1:4])
