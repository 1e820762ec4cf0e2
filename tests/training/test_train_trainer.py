"""A few real training steps on CPU: the loss falls, resume is exact, errors are helpful."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from training_data import write_coco, write_supervisely, write_youtubevis
from videomatte.cli.main import main
from videomatte.training import checkpoint
from videomatte.training.config import config_from_dict
from videomatte.errors import CheckpointError, ConfigError
from videomatte.training.monitor import Monitor

TINY = """
[data]
matting_train = "vm/train"
background_images = "bg/images"
background_videos = "bg/videos"
augmentation = "none"
num_workers = 0

[train]
max_steps = 6
seq_length = 2
resolution = 64
random_crop = false
device = "cpu"
log_every = 1
checkpoint_every = 2
validate_every = 100
validation_batches = 1
seed = 5

[lr]
backbone = 1e-3
aspp = 1e-3
decoder = 1e-3

[log]
tensorboard = "off"
"""


def _train(data_root: Path, out: Path, *extra: str) -> int:
    config = data_root / "tiny.toml"
    config.write_text(TINY)
    return main(["train", "--config", str(config), "--data-root", str(data_root), "--out", str(out), *extra])


def _losses(run: Path) -> list[float]:
    rows = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    return [r["total"] for r in rows if r["tag"] == "train_lr"]


@pytest.mark.slow
def test_loss_falls_and_resume_is_exact(data_root: Path) -> None:
    assert _train(data_root, data_root / "full") == 0
    losses = _losses(data_root / "full")
    assert len(losses) == 6
    assert sum(losses[-2:]) < sum(losses[:2]), losses
    names = sorted(p.name for p in (data_root / "full").glob("*.pt"))
    assert names == ["checkpoint-0000002.pt", "checkpoint-0000004.pt", "checkpoint-0000006.pt", "final.pt"]

    # Interrupted after step 4: resume from that checkpoint in a fresh folder.
    assert _train(data_root, data_root / "resumed", "--resume", str(data_root / "full" / "checkpoint-0000004.pt")) == 0
    assert _losses(data_root / "resumed") == losses[4:]
    full = checkpoint.load(data_root / "full" / "final.pt")
    resumed = checkpoint.load(data_root / "resumed" / "final.pt")
    assert full["step"] == resumed["step"] == 6
    for key, value in full["model"].items():
        assert torch.equal(value, resumed["model"][key]), key
    for a, b in zip(full["optimizer"]["state"].values(), resumed["optimizer"]["state"].values()):
        assert torch.equal(a["exp_avg_sq"], b["exp_avg_sq"])
    from videomatte.models.weights.zoo import load_model

    network = load_model(weights=data_root / "resumed" / "final.pt")  # a checkpoint is also a weights file
    assert torch.equal(network.state_dict()["project_mat.conv.weight"], full["model"]["project_mat.conv.weight"])


@pytest.mark.slow
def test_high_resolution_and_segmentation_passes(data_root: Path) -> None:
    write_coco(data_root / "coco")
    write_supervisely(data_root / "spd")
    write_youtubevis(data_root / "ytvis")
    extra = ["--set", "train.max_steps=2", "--set", "train.train_hr=true", "--set", "train.resolution_hr=64",
             "--set", "train.seq_length_hr=2", "--set", "train.downsample_ratio=0.5", "--set", "lr.refiner=1e-3", "--set", "lr.aspp=0",
             "--set", "data.coco=coco", "--set", "data.supervisely=spd", "--set", "data.youtubevis=ytvis"]
    assert _train(data_root, data_root / "run", *extra) == 0
    rows = [json.loads(line) for line in (data_root / "run" / "metrics.jsonl").read_text().splitlines()]
    tags = [(r["step"], r["tag"]) for r in rows if r["tag"] != "speed"]
    assert tags == [(1, "train_lr"), (1, "train_hr"), (1, "train_video_seg"),
                    (2, "train_lr"), (2, "train_hr"), (2, "train_image_seg")]
    from videomatte.models.weights.zoo import load_model

    torch.manual_seed(5)  # the run's seed: the same random initialisation
    start = load_model(weights=None).state_dict()
    final = checkpoint.load(data_root / "run" / "final.pt")["model"]
    for key in ("refiner.conv.0.weight", "project_seg.conv.weight", "backbone.features.0.0.weight"):
        assert not torch.equal(start[key], final[key]), key
    assert torch.equal(start["aspp.aspp1.0.weight"], final["aspp.aspp1.0.weight"])  # its learning rate is 0


def test_missing_dataset_is_named(data_root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = _train(data_root, data_root / "run", "--set", "data.matting_train=vm/nothing")
    assert code != 0
    assert "vm/nothing" in capsys.readouterr().err


def test_unknown_config_and_bad_override(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["train", "--config", str(tmp_path / "nope.toml")]) != 0
    assert "shipped configs: finetune, stage1" in capsys.readouterr().err
    assert main(["train", "--config", "stage1", "--set", "train.batch_sise=2"]) != 0
    assert "batch_sise" in capsys.readouterr().err


def test_resume_from_a_non_checkpoint(tmp_path: Path) -> None:
    bogus = tmp_path / "weights.pt"
    torch.save({"conv.weight": torch.zeros(1)}, bogus)
    with pytest.raises(CheckpointError, match="not a videomatte training checkpoint"):
        checkpoint.load(bogus)
    with pytest.raises(CheckpointError, match="no checkpoint"):
        checkpoint.load(tmp_path)


def test_checkpoints_are_pruned(tmp_path: Path) -> None:
    for step in (1, 2, 3, 4):
        checkpoint.save_atomic({"step": step}, tmp_path / checkpoint.checkpoint_name(step))
    checkpoint.prune(tmp_path, keep=2)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["checkpoint-0000003.pt", "checkpoint-0000004.pt"]
    assert checkpoint.find_latest(tmp_path).name == "checkpoint-0000004.pt"


def test_tensorboard_required_but_missing(tmp_path: Path) -> None:
    try:
        import tensorboard  # noqa: F401
    except ImportError:
        with pytest.raises(ConfigError, match="pip install"):
            Monitor(tmp_path, "on", active=True)
    else:
        Monitor(tmp_path, "on", active=True).close()
        assert (tmp_path / "tensorboard").is_dir()


def test_optimizer_groups_follow_the_config() -> None:
    from videomatte.models.weights.zoo import load_model
    from videomatte.training.builders import build_optimizer

    config = config_from_dict({"data": {"matting_train": "x"}, "lr": {"backbone": 1e-5, "aspp": 2e-5, "decoder": 3e-5, "refiner": 4e-5}})
    model = load_model(weights=None)
    groups = {g["name"]: g for g in build_optimizer(model, config).param_groups}
    assert {k: g["lr"] for k, g in groups.items()} == {"backbone": 1e-5, "aspp": 2e-5, "decoder": 3e-5, "refiner": 4e-5}
    decoder_ids = {id(p) for p in groups["decoder"]["params"]}
    assert all(id(p) in decoder_ids for p in [*model.project_mat.parameters(), *model.project_seg.parameters()])
    assert sum(len(g["params"]) for g in groups.values()) == len(list(model.parameters()))


def test_frozen_batchnorm_keeps_its_statistics() -> None:
    from videomatte.models.weights.zoo import load_model
    from videomatte.training.builders import freeze_batchnorm

    model = load_model(weights=None).train()
    freeze_batchnorm(model)
    before = {k: v.clone() for k, v in model.state_dict().items() if "running" in k}
    model(torch.rand(1, 2, 3, 64, 64))
    after = model.state_dict()
    assert all(torch.equal(v, after[k]) for k, v in before.items())
    assert model.decoder.training  # only the BatchNorm layers are in eval mode
