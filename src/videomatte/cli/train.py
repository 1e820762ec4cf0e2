"""``videomatte train``: run one training stage from a config file (one process or under torchrun)."""
from __future__ import annotations

import argparse

COMMAND = "train"
HELP = "train or fine-tune the matting network from a config file"
DESCRIPTION = (
    "Train one stage of the reference recipe (--config stage1 ... stage4) or fine-tune the official\n"
    "weights on your own footage (--config finetune). The same command runs on several GPUs or nodes\n"
    "under torchrun. Checkpoints are written atomically to --out; --resume continues exactly."
)
EPILOG = """examples:
  videomatte train --config stage1 --data-root /data --out runs/stage1
  torchrun --nproc-per-node 4 -m videomatte.cli.main train --config stage1 --data-root /data
  videomatte train --config finetune --set data.matting_train=/footage/train --out runs/mine
  videomatte train --config stage1 --data-root /data --resume runs/stage1
See docs/training.md for the data layout of every dataset."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", required=True, metavar="FILE",
                        help="a TOML config, or a shipped one: stage1, stage2, stage3, stage4, finetune")
    parser.add_argument("--data-root", metavar="DIR",
                        help="folder the [data] paths are relative to (default: $VIDEOMATTE_DATA_ROOT or .)")
    parser.add_argument("--out", metavar="DIR", help="run folder for checkpoints and logs (default: runs/<config name>)")
    parser.add_argument("--resume", metavar="CKPT", help="continue from a checkpoint file or a run folder (its newest)")
    parser.add_argument("--init-from", metavar="CKPT", help="start from the model weights of an earlier stage's checkpoint")
    parser.add_argument("--weights", metavar="W", help="start from 'official' weights or a weights file")
    parser.add_argument("--device", choices=["auto", "cpu", "cuda"], help="override train.device")
    parser.add_argument("--max-steps", type=int, metavar="N", help="stop after N steps")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="override any config value, e.g. --set train.batch_size=2 (repeatable)")


def _check_paths(args: argparse.Namespace) -> None:
    """Missing files answered before PyTorch loads (a missing config is answered by the config loader,
    which lists the shipped ones)."""
    from pathlib import Path

    from videomatte.cli import _checks

    for option, value in (("--resume", args.resume), ("--init-from", args.init_from), ("--data-root", args.data_root)):
        if value is not None and not Path(value).exists():
            raise _checks.VideoMatteError(f"{option} {value}: no such file or folder")
    _checks.check_weights_file(args.weights)
    _checks.check_number("--max-steps", args.max_steps, 1, None, low_inclusive=True)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    _check_paths(args)

    from videomatte.training import distributed
    from videomatte.training.config import load_config, resolve_config_path
    from videomatte.errors import ConfigError
    from videomatte.training.trainer import Trainer

    overrides = list(args.set)
    for flag, key in ((args.init_from, "model.init_from"), (args.weights, "model.weights"),
                      (args.device, "train.device"), (args.max_steps, "train.max_steps")):
        if flag is not None:
            overrides.append(f"{key}={_toml_value(flag)}")
    config = load_config(args.config, overrides)
    if args.resume and (config.model.init_from or config.model.weights):
        config.model.init_from = config.model.weights = None  # the checkpoint supplies the weights
    if args.max_steps is not None and args.max_steps < 1:
        raise ConfigError("--max-steps must be >= 1")
    out = Path(args.out) if args.out else Path("runs") / resolve_config_path(args.config).stem
    try:
        trainer = Trainer(config, out, root=args.data_root, resume=Path(args.resume) if args.resume else None)
        result = trainer.run()
    finally:
        distributed.cleanup()
    if trainer.ctx.is_main:
        summary = ", ".join(f"{k} {v:.4f}" for k, v in result.items())
        print(f"trained {trainer.step} steps; final weights {out / 'final.pt'}" + (f"; validation {summary}" if summary else ""))
    return 0


def _toml_value(value: object) -> str:
    if isinstance(value, int):
        return str(value)
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'
