"""One code path for one process or many: ``torchrun`` sets ``RANK``/``WORLD_SIZE``/``LOCAL_RANK``
and this module joins the process group (NCCL on GPUs, Gloo on CPU), wraps the model in
DistributedDataParallel and converts BatchNorm to SyncBatchNorm where that is supported (CUDA).
"""
from __future__ import annotations

import os
from dataclasses import dataclass

import torch
import torch.distributed as dist
from torch import nn

from videomatte.errors import ConfigError


@dataclass(frozen=True)
class DistributedContext:
    """Where this process sits: ``rank`` of ``world_size`` and its ``device``."""

    rank: int
    world_size: int
    local_rank: int
    device: torch.device

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    @property
    def distributed(self) -> bool:
        return self.world_size > 1


def setup(device: str = "auto") -> DistributedContext:
    """Reads the ``torchrun`` environment and, with more than one process, joins the process group.

    Arguments:
        device (str): ``"auto"`` (CUDA when available), ``"cpu"``, ``"cuda"`` or ``"cuda:N"``.
    """
    world_size = int(os.environ.get("WORLD_SIZE", "1"))
    rank, local_rank = int(os.environ.get("RANK", "0")), int(os.environ.get("LOCAL_RANK", "0"))
    use_cuda = torch.cuda.is_available() if device == "auto" else device.startswith("cuda")
    if use_cuda and not torch.cuda.is_available():
        raise ConfigError("train.device is cuda but no CUDA device is available (use --device cpu)")
    if use_cuda:
        index = int(device.split(":")[1]) if ":" in device else local_rank
        torch.cuda.set_device(index)
        chosen = torch.device("cuda", index)
    else:
        chosen = torch.device("cpu")
    if world_size > 1 and not dist.is_initialized():
        dist.init_process_group(backend="nccl" if use_cuda else "gloo")
    return DistributedContext(rank, world_size, local_rank, chosen)


def wrap_model(model: nn.Module, ctx: DistributedContext) -> nn.Module:
    """DDP-wrapped model for several processes (the model itself for one).

    With CUDA, BatchNorm becomes SyncBatchNorm; on CPU (where SyncBatchNorm does not run) buffers are
    broadcast from rank 0 at every forward so the replicas stay identical.
    """
    if not ctx.distributed:
        return model
    on_cuda = ctx.device.type == "cuda"
    if on_cuda:
        model = nn.SyncBatchNorm.convert_sync_batchnorm(model)
    return nn.parallel.DistributedDataParallel(
        model,
        device_ids=[ctx.device.index] if on_cuda else None,
        find_unused_parameters=True,
        broadcast_buffers=not on_cuda,
    )


def unwrap(model: nn.Module) -> nn.Module:
    """The network inside a DDP wrapper."""
    return model.module if isinstance(model, nn.parallel.DistributedDataParallel) else model


def reduce_sum(values: torch.Tensor) -> torch.Tensor:
    """Sum of ``values`` over all processes (no-op without a process group)."""
    if dist.is_available() and dist.is_initialized():
        values = values.clone()
        dist.all_reduce(values)
    return values


def sync_buffers(model: nn.Module) -> None:
    """Copies rank 0's buffers (BatchNorm running statistics) to every process.

    DDP broadcasts buffers at the start of each forward, so after the last forward of a step the
    replicas' statistics differ by one update; this makes them equal before validating or saving.
    """
    if dist.is_available() and dist.is_initialized():
        for buffer in model.buffers():
            dist.broadcast(buffer, src=0)


def barrier() -> None:
    """Waits for every process (no-op without a process group)."""
    if dist.is_available() and dist.is_initialized():
        dist.barrier()


def cleanup() -> None:
    """Leaves the process group, if one was joined."""
    if dist.is_available() and dist.is_initialized():
        dist.destroy_process_group()
