"""The training loop: the reference's passes, checkpoints, exact resume and validation, on one
process or under ``torchrun``.

Each step runs, in order, each with its own optimiser step (rvm-facts §1.6): a matting pass at ratio 1
(``T = seq_length``), a high-resolution matting pass at ``downsample_ratio`` if ``train_hr``, and a
segmentation pass if segmentation data is configured (video segmentation on even steps, image
segmentation with ``batch_size * seq_length`` single frames on odd steps).
"""
from __future__ import annotations

import math
import sys
import time
from pathlib import Path
from typing import Any, Iterator

import torch
from torch.utils.data import DataLoader, Dataset

from videomatte.training import checkpoint, distributed
from videomatte.training.builders import build_data, build_model, build_optimizer, freeze_batchnorm
from videomatte.training.config import Config, data_root
from videomatte.training.datasets.sampling import StepBatchSampler, mix_seed
from videomatte.errors import CheckpointError
from videomatte.training.monitor import Monitor
from videomatte.training.steps import (VALIDATION_KEYS, StepTools, TrainingForward, matting_step, segmentation_step,
                                      validation_losses)

STREAM_LR, STREAM_HR, STREAM_VIDEO_SEG, STREAM_IMAGE_SEG, STREAM_VALID, STREAM_CROP = range(1, 7)


class Trainer:
    """Runs one training stage described by ``config`` into ``run_dir``.

    Arguments:
        config (Config): the stage.
        run_dir (Path): where checkpoints and logs go.
        root (Path or None): data root for relative ``[data]`` paths.
        resume (Path or None): a checkpoint file, or a run folder whose newest checkpoint is used.
    """

    def __init__(self, config: Config, run_dir: Path, root: Path | None = None, resume: Path | None = None) -> None:
        self.config, self.run_dir = config, Path(run_dir)
        t = config.train
        self.ctx = distributed.setup(t.device)
        torch.manual_seed(t.seed)
        self.data = build_data(config, data_root(root))
        self.network = build_model(config).to(self.ctx.device)
        self.optimizer = build_optimizer(self.network, config)
        self.amp = t.mixed_precision and self.ctx.device.type == "cuda"
        self.scaler = torch.amp.GradScaler("cuda", enabled=self.amp)
        self.step = 0
        if resume is not None:
            self._restore(checkpoint.load(resume))
        self.model = distributed.wrap_model(TrainingForward(self.network), self.ctx)
        self.tools = StepTools(self.model, self.optimizer, self.scaler, self.ctx.device, self.amp)
        global_batch = t.batch_size * self.ctx.world_size
        self.steps_per_epoch = math.ceil(len(self.data.matting) / global_batch)
        self.total_steps = t.max_steps or t.epochs * self.steps_per_epoch
        self.monitor = Monitor(self.run_dir, config.log.tensorboard, self.ctx.is_main)

    def run(self) -> dict[str, float]:
        """Trains from the current step to the end; returns the last validation losses (may be empty)."""
        t, start = self.config.train, self.step
        streams = self._streams(start)
        self._train_mode()
        last_valid: dict[str, float] = {}
        running: dict[str, list[float]] = {}
        begun = time.perf_counter()
        for step in range(start, self.total_steps):
            if self._validate_now(step):
                last_valid = self.validate(step)
            for tag, values in self._one_step(step, streams).items():
                for name, value in values.items():
                    running.setdefault(f"{tag}/{name}", []).append(value)
            self.step = step + 1
            if self.step % t.log_every == 0 or self.step == self.total_steps:
                self._log(running, begun, start)
                running = {}
            if self.step % t.checkpoint_every == 0 or self.step == self.total_steps:
                self.save()
        if self.data.valid is not None and self.total_steps > start:
            last_valid = self.validate(self.total_steps)
        self.save(final=True)
        self.monitor.close()
        return last_valid

    def _one_step(self, step: int, streams: dict[str, Iterator]) -> dict[str, dict[str, float]]:
        t = self.config.train
        crop = lambda tag: self._crop_generator(step, tag)  # noqa: E731
        results = {"train_lr": matting_step(self.tools, next(streams["lr"]), 1.0, crop(0))}
        if "hr" in streams:
            results["train_hr"] = matting_step(self.tools, next(streams["hr"]), t.downsample_ratio, crop(1))
        kind = self._segmentation_kind(step)
        if kind is not None:
            batch = next(streams[kind])
            results[f"train_{kind}"] = {"bce": segmentation_step(self.tools, batch, crop(2))}
        return results

    def _crop_generator(self, step: int, tag: int) -> torch.Generator | None:
        if not self.config.train.random_crop:
            return None
        return torch.Generator().manual_seed(mix_seed(self.config.train.seed, STREAM_CROP, step, tag))

    def _segmentation_kind(self, step: int) -> str | None:
        video, image = self.data.video_segmentation is not None, self.data.image_segmentation is not None
        if video and image:
            return "video_seg" if step % 2 == 0 else "image_seg"
        return "video_seg" if video else "image_seg" if image else None

    def _streams(self, start: int) -> dict[str, Iterator]:
        t, steps = self.config.train, range(start, self.total_steps)
        streams = {"lr": self._loader(self.data.matting, t.batch_size, steps, STREAM_LR)}
        if self.data.matting_hr is not None:
            streams["hr"] = self._loader(self.data.matting_hr, t.batch_size, steps, STREAM_HR)
        both = self.data.video_segmentation is not None and self.data.image_segmentation is not None
        for kind, dataset, batch, stream in (
            ("video_seg", self.data.video_segmentation, t.batch_size, STREAM_VIDEO_SEG),
            ("image_seg", self.data.image_segmentation, t.batch_size * t.seq_length, STREAM_IMAGE_SEG),
        ):
            if dataset is not None:
                own = [s // 2 for s in steps if self._segmentation_kind(s) == kind] if both else steps
                streams[kind] = self._loader(dataset, batch, own, stream)
        return streams

    def _loader(self, dataset: Dataset, batch: int, steps: Any, stream: int, shuffle: bool = True) -> Iterator:
        sampler = StepBatchSampler(len(dataset), batch, steps, self.config.train.seed, stream,
                                   self.ctx.rank, self.ctx.world_size, shuffle=shuffle)
        workers = self.config.data.num_workers
        loader = DataLoader(dataset, batch_sampler=sampler, num_workers=workers,
                            pin_memory=self.ctx.device.type == "cuda", persistent_workers=False)
        return iter(loader)

    def _train_mode(self) -> None:
        self.model.train()
        if self.config.train.freeze_batchnorm:
            freeze_batchnorm(self.model)

    def _validate_now(self, step: int) -> bool:
        every = self.config.train.validate_every
        if self.data.valid is None:
            return False
        return step % (every or self.steps_per_epoch) == 0

    def validate(self, step: int) -> dict[str, float]:
        """Mean validation losses (all processes together), logged under ``valid``."""
        assert self.data.valid is not None
        t = self.config.train
        count = math.ceil(len(self.data.valid) / (t.batch_size * self.ctx.world_size))
        count = min(count, t.validation_batches or count)
        batches = self._loader(self.data.valid, t.batch_size, range(count), STREAM_VALID, shuffle=False)
        distributed.sync_buffers(self.network)
        self.network.eval()
        sums = distributed.reduce_sum(validation_losses(self.network, batches, self.ctx.device, self.amp))
        self._train_mode()
        values = {k: float(v) / max(1.0, float(sums[-1])) for k, v in zip(VALIDATION_KEYS, sums[:-1])}
        self.monitor.scalars(step, "valid", values)
        return values

    def _log(self, running: dict[str, list[float]], begun: float, start: int) -> None:
        grouped: dict[str, dict[str, float]] = {}
        for key, values in running.items():
            tag, name = key.split("/")
            grouped.setdefault(tag, {})[name] = sum(values) / len(values)
        rate = (self.step - start) / max(1e-9, time.perf_counter() - begun)
        for tag, values in grouped.items():
            self.monitor.scalars(self.step, tag, values)
        self.monitor.scalars(self.step, "speed", {"steps_per_second": rate})
        if self.ctx.is_main:
            total = grouped.get("train_lr", {}).get("total", float("nan"))
            print(f"step {self.step}/{self.total_steps}  lr-pass loss {total:.4f}  {rate:.2f} steps/s", file=sys.stderr)

    def save(self, final: bool = False) -> Path | None:
        """Writes ``checkpoint-<step>.pt`` (or ``final.pt``) atomically from rank 0."""
        path = None
        distributed.sync_buffers(self.network)
        if self.ctx.is_main:
            state = {
                "format": checkpoint.FORMAT, "step": self.step, "model": self.network.state_dict(),
                "optimizer": self.optimizer.state_dict(), "scaler": self.scaler.state_dict(),
                "config": self.config.to_dict(), "world_size": self.ctx.world_size, "rng": checkpoint.rng_state(),
            }
            path = self.run_dir / ("final.pt" if final else checkpoint.checkpoint_name(self.step))
            checkpoint.save_atomic(state, path)
            if not final:
                checkpoint.prune(self.run_dir, self.config.train.keep_checkpoints)
        distributed.barrier()
        return path

    def _restore(self, state: dict[str, Any]) -> None:
        try:
            self.network.load_state_dict(state["model"])
            self.optimizer.load_state_dict(state["optimizer"])
            self.scaler.load_state_dict(state["scaler"])
            checkpoint.restore_rng_state(state["rng"])
        except (KeyError, RuntimeError, ValueError) as err:
            raise CheckpointError(f"checkpoint {state['path']} does not fit this run: {err}") from None
        self.step = int(state["step"])
        if state.get("world_size") != self.ctx.world_size and self.ctx.is_main:
            print(f"videomatte: resuming a {state.get('world_size')}-process run on {self.ctx.world_size} "
                  "processes: training continues, but not on exactly the same batches", file=sys.stderr)
