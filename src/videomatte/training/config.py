"""Training configuration: TOML files with the sections ``[model]``, ``[data]``, ``[train]``,
``[lr]`` and ``[log]``. The four stages of the reference ship as ``configs/stage{1,2,3,4}.toml``
and a fine-tuning recipe as ``configs/finetune.toml``; pass their name or any file path.

Dataset paths in ``[data]`` are relative to the data root (``--data-root``, else the environment
variable ``VIDEOMATTE_DATA_ROOT``, else the current folder) unless absolute.
"""
from __future__ import annotations

import dataclasses
import os
import tomllib
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from videomatte.errors import ConfigError

CONFIG_DIR = Path(__file__).with_name("configs")
DATA_ROOT_ENV = "VIDEOMATTE_DATA_ROOT"


@dataclass
class ModelConfig:
    variant: str = "mobilenetv3"
    refiner: str = "deep_guided_filter"
    weights: str | None = None
    """``"official"``, a weights file, or none for random initialisation (stage 1)."""
    init_from: str | None = None
    """A checkpoint of an earlier stage whose model weights to start from (overrides ``weights``)."""
    init_matching: str | None = None
    """Weights of another variant (``"official"``: the official RVM weights of the same backbone) copied
    where keys and shapes match, for the seed variants; the other tensors keep their initialisation."""


@dataclass
class DataConfig:
    matting_format: str = "videomatte"
    """``"videomatte"`` (VideoMatte240K), ``"imagematte"`` (D646/AIM) or ``"footage"`` (your own)."""
    matting_train: str = ""
    matting_valid: str | None = None
    augmentation: str | None = None
    """``"videomatte"``, ``"imagematte"`` or ``"none"``; defaults to the matting format's
    (``"videomatte"`` for footage)."""
    background_images: str | None = None
    background_videos: str | None = None
    valid_background_images: str | None = None
    valid_background_videos: str | None = None
    coco: str | None = None
    supervisely: str | None = None
    youtubevis: str | None = None
    num_workers: int = 8


@dataclass
class TrainConfig:
    epochs: int = 1
    max_steps: int | None = None
    """Stop after this many steps instead of ``epochs`` (one step = every pass once)."""
    batch_size: int = 1
    """Sequences per process per step."""
    seq_length: int = 15
    resolution: int = 512
    random_crop: bool = True
    train_hr: bool = False
    seq_length_hr: int = 6
    resolution_hr: int = 2048
    downsample_ratio: float = 0.25
    segmentation: bool = True
    """Interleave segmentation steps when segmentation data is configured."""
    mixed_precision: bool = True
    """Autocast and gradient scaling; only ever used on CUDA."""
    freeze_batchnorm: bool = False
    seed: int = 0
    device: str = "auto"
    checkpoint_every: int = 500
    keep_checkpoints: int = 3
    validate_every: int = 0
    """Validate every N steps (0 = at the start of each epoch, as the reference does) and at the end."""
    validation_batches: int | None = None
    log_every: int = 20


@dataclass
class LearningRates:
    backbone: float = 1e-4
    aspp: float = 2e-4
    decoder: float = 2e-4
    refiner: float = 0.0


@dataclass
class LogConfig:
    tensorboard: str = "auto"
    """``"auto"`` (when installed), ``"on"`` (fail without it) or ``"off"``."""


@dataclass
class Config:
    model: ModelConfig = field(default_factory=ModelConfig)
    data: DataConfig = field(default_factory=DataConfig)
    train: TrainConfig = field(default_factory=TrainConfig)
    lr: LearningRates = field(default_factory=LearningRates)
    log: LogConfig = field(default_factory=LogConfig)

    def to_dict(self) -> dict[str, Any]:
        """Plain nested dict (saved inside checkpoints)."""
        return dataclasses.asdict(self)


def resolve_config_path(name: str | Path) -> Path:
    """A config file path, or the name of a shipped config (``stage1`` ... ``stage4``, ``finetune``)."""
    path = Path(name)
    if path.is_file():
        return path
    shipped = CONFIG_DIR / f"{path.stem}.toml"
    if path.suffix in {"", ".toml"} and path.parent == Path(".") and shipped.is_file():
        return shipped
    known = ", ".join(sorted(p.stem for p in CONFIG_DIR.glob("*.toml")))
    raise ConfigError(f"config file {name} not found (shipped configs: {known})")


def load_config(name: str | Path, overrides: list[str] | tuple[str, ...] = ()) -> Config:
    """Reads a TOML config and applies ``section.key=value`` overrides (values in TOML syntax;
    bare words are taken as strings)."""
    path = resolve_config_path(name)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        raise ConfigError(f"{path}: not valid TOML ({err})") from None
    for item in overrides:
        _apply_override(raw, item)
    return config_from_dict(raw, str(path))


def config_from_dict(raw: dict[str, Any], origin: str = "config") -> Config:
    """Builds and validates a :class:`Config` from nested dicts."""
    sections = {f.name: f.type for f in dataclasses.fields(Config)}
    unknown = set(raw) - set(sections)
    if unknown:
        raise ConfigError(f"{origin}: unknown section(s) {sorted(unknown)}; known: {sorted(sections)}")
    hints = typing.get_type_hints(Config)
    config = Config(**{name: _build(hints[name], raw.get(name, {}), f"{origin} [{name}]") for name in sections})
    validate(config, origin)
    return config


def _apply_override(raw: dict[str, Any], item: str) -> None:
    key, sep, text = item.partition("=")
    if not sep or "." not in key:
        raise ConfigError(f"override {item!r} is not of the form section.key=value")
    section, name = key.strip().split(".", 1)
    try:
        value = tomllib.loads(f"v = {text.strip()}")["v"]
    except tomllib.TOMLDecodeError:
        value = text.strip()
    raw.setdefault(section, {})[name] = value


def _build(cls: type, table: dict[str, Any], where: str) -> Any:
    if not isinstance(table, dict):
        raise ConfigError(f"{where}: expected a table")
    hints = typing.get_type_hints(cls)
    unknown = set(table) - set(hints)
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {sorted(unknown)}; known: {sorted(hints)}")
    values = {}
    for key, value in table.items():
        values[key] = _check_type(value, hints[key], f"{where} {key}")
    return cls(**values)


def _check_type(value: Any, hint: Any, where: str) -> Any:
    allowed = typing.get_args(hint) if isinstance(hint, types.UnionType) else (hint,)
    if value == "" and type(None) in allowed:
        return None
    for kind in allowed:
        if kind is float and isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        if kind is int and isinstance(value, int) and not isinstance(value, bool):
            return value
        if kind in (str, bool) and type(value) is kind:
            return value
    names = " or ".join("none" if k is type(None) else k.__name__ for k in allowed)
    raise ConfigError(f"{where}: expected {names}, got {value!r}")


def validate(config: Config, origin: str = "config") -> None:
    """Raises :class:`ConfigError` for values the trainer cannot run with."""
    t, d = config.train, config.data
    checks = [
        (d.matting_format in {"videomatte", "imagematte", "footage"}, "data.matting_format must be videomatte, imagematte or footage"),
        (d.augmentation in {None, "videomatte", "imagematte", "none"}, "data.augmentation must be videomatte, imagematte or none"),
        (bool(d.matting_train), "data.matting_train is required"),
        (t.batch_size >= 1 and t.seq_length >= 1 and t.seq_length_hr >= 1, "batch_size and sequence lengths must be >= 1"),
        (t.epochs >= 1 or (t.max_steps or 0) >= 1, "train.epochs or train.max_steps must be >= 1"),
        (t.resolution >= (128 if t.random_crop else 64), "train.resolution must be >= 128 with random_crop (>= 64 without): the Laplacian loss needs 64 px"),
        (0 < t.downsample_ratio <= 1, "train.downsample_ratio must be in (0, 1]"),
        (not t.train_hr or t.resolution_hr >= (128 if t.random_crop else 64), "train.resolution_hr is too small"),
        (t.checkpoint_every >= 1 and t.log_every >= 1 and t.keep_checkpoints >= 1, "checkpoint_every, log_every, keep_checkpoints must be >= 1"),
        (t.device in {"auto", "cpu", "cuda"} or t.device.startswith("cuda:"), "train.device must be auto, cpu or cuda"),
        (config.log.tensorboard in {"auto", "on", "off"}, "log.tensorboard must be auto, on or off"),
        (all(v >= 0 for v in dataclasses.asdict(config.lr).values()), "learning rates must be >= 0"),
    ]
    for ok, message in checks:
        if not ok:
            raise ConfigError(f"{origin}: {message}")


def data_root(explicit: str | Path | None = None) -> Path:
    """``--data-root``, else ``$VIDEOMATTE_DATA_ROOT``, else the current folder."""
    return Path(explicit or os.environ.get(DATA_ROOT_ENV) or ".")


def data_path(value: str | None, root: Path) -> Path | None:
    """A ``[data]`` path resolved against the data root (absolute paths are kept)."""
    if value is None:
        return None
    path = Path(value).expanduser()
    return path if path.is_absolute() else root / path
