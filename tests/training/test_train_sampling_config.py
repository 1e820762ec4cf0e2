"""Per-step, per-rank sampling and the shipped stage configs."""
from __future__ import annotations

from pathlib import Path

import pytest

from videomatte.training.config import config_from_dict, load_config
from videomatte.training.datasets.sampling import StepBatchSampler
from videomatte.errors import ConfigError


def test_ranks_split_each_epoch_without_overlap() -> None:
    ranks = [StepBatchSampler(8, 2, range(0, 4), seed=1, stream=1, rank=r, world_size=2) for r in range(2)]
    batches = [list(s) for s in ranks]
    indices = [i for rank in batches for step in rank[:2] for i, _ in step]
    assert sorted(indices) == list(range(8))  # epoch 0 = steps 0 and 1, every item once
    later = [i for rank in batches for step in rank[2:] for i, _ in step]
    assert sorted(later) == list(range(8)) and later != indices  # a new permutation in epoch 1


def test_batches_depend_only_on_the_step() -> None:
    full = list(StepBatchSampler(5, 2, range(0, 6), seed=3, stream=1))
    resumed = list(StepBatchSampler(5, 2, range(4, 6), seed=3, stream=1))
    assert full[4:] == resumed
    other_stream = list(StepBatchSampler(5, 2, range(0, 6), seed=3, stream=2))
    assert other_stream != full


def test_validation_order_is_fixed() -> None:
    sampler = StepBatchSampler(3, 1, range(3), seed=0, stream=5, shuffle=False)
    assert [b[0][0] for b in sampler] == [0, 1, 2]
    assert list(sampler) == list(StepBatchSampler(3, 1, range(3), seed=0, stream=5, shuffle=False))


# The table of rvm-facts §1.6: T, HR pass, lr backbone/aspp/decoder/refiner, epochs.
STAGES = {
    "stage1": (15, False, (1e-4, 2e-4, 2e-4, 0.0), 20, "videomatte"),
    "stage2": (50, False, (5e-5, 1e-4, 1e-4, 0.0), 2, "videomatte"),
    "stage3": (40, True, (1e-5, 1e-5, 1e-5, 2e-4), 1, "videomatte"),
    "stage4": (40, True, (1e-5, 1e-5, 5e-5, 2e-4), 5, "imagematte"),
}


@pytest.mark.parametrize("name", sorted(STAGES))
def test_shipped_stage_configs_match_the_reference(name: str) -> None:
    seq_length, train_hr, rates, epochs, matting = STAGES[name]
    config = load_config(name)
    t, lr = config.train, config.lr
    assert (t.seq_length, t.train_hr, t.epochs, t.resolution, t.batch_size) == (seq_length, train_hr, epochs, 512, 1)
    assert (lr.backbone, lr.aspp, lr.decoder, lr.refiner) == rates
    assert config.data.matting_format == matting and t.checkpoint_every == 500
    if train_hr:
        assert (t.seq_length_hr, t.resolution_hr, t.downsample_ratio) == (6, 2048, 0.25)
    assert "HD" in config.data.matting_train if name == "stage3" else True


def test_finetune_config_and_overrides() -> None:
    config = load_config("finetune", ["train.max_steps=7", "data.matting_train=/x/y", "lr.decoder=1e-3"])
    assert config.model.weights == "official" and config.train.freeze_batchnorm
    assert (config.train.max_steps, config.data.matting_train, config.lr.decoder) == (7, "/x/y", 1e-3)


@pytest.mark.parametrize("raw, message", [
    ({"train": {"batch_size": "two"}, "data": {"matting_train": "x"}}, "expected int"),
    ({"trian": {}}, "unknown section"),
    ({"data": {"matting_train": "x", "matting_format": "avi"}}, "matting_format"),
    ({"data": {"matting_train": "x"}, "train": {"resolution": 100}}, "resolution"),
    ({"data": {}}, "matting_train"),
])
def test_config_errors(raw: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        config_from_dict(raw)


def test_config_file_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="shipped configs"):
        load_config(tmp_path / "missing.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[train\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(bad)
    with pytest.raises(ConfigError, match="section.key=value"):
        load_config("stage1", ["epochs=3"])
