"""Deterministic sampling by step and rank: the foundation of exact resume and of DDP.

The items of training step ``s`` depend only on ``(seed, stream, s, rank, world_size)``: each epoch
is a seeded permutation of the dataset, padded by wrapping to a whole number of global batches; step
``k`` of the epoch takes global batch ``k`` and rank ``r`` takes its ``r``-th slice (the way
``DistributedSampler`` splits). Every item also carries its own augmentation seed.
"""
from __future__ import annotations

import math
from typing import Iterator, Sequence

import numpy as np
import torch
from torch.utils.data import Sampler


def mix_seed(*values: int) -> int:
    """A well-mixed 63-bit seed from any integers (``numpy.random.SeedSequence``)."""
    state = np.random.SeedSequence([v % (1 << 63) for v in values]).generate_state(2, dtype=np.uint32)
    return int((int(state[0]) << 31) ^ int(state[1]))


class StepBatchSampler(Sampler[list[tuple[int, int]]]):
    """Yields, for each step number in ``steps``, this rank's batch of ``(index, item_seed)`` keys.

    Arguments:
        dataset_size (int): number of items in the dataset.
        batch_size (int): items per rank per step.
        steps (sequence of int): the step numbers to produce, in order (e.g. ``range(start, total)``).
        seed (int), stream (int): the run's seed and a number that separates independent streams.
        rank (int), world_size (int): this process and the number of processes.
        shuffle (bool): ``False`` keeps dataset order and the same item seeds every epoch (validation).
    """

    def __init__(self, dataset_size: int, batch_size: int, steps: Sequence[int], seed: int, stream: int,
                 rank: int = 0, world_size: int = 1, shuffle: bool = True) -> None:
        if dataset_size < 1 or batch_size < 1:
            raise ValueError("dataset_size and batch_size must be positive")
        self.size, self.batch, self.steps = dataset_size, batch_size, steps
        self.seed, self.stream, self.rank, self.world, self.shuffle = seed, stream, rank, world_size, shuffle
        self.global_batch = batch_size * world_size
        self.steps_per_epoch = math.ceil(dataset_size / self.global_batch)
        self._cached_epoch: tuple[int, torch.Tensor] | None = None

    def __len__(self) -> int:
        return len(self.steps)

    def __iter__(self) -> Iterator[list[tuple[int, int]]]:
        for step in self.steps:
            yield self.batch_for(step)

    def batch_for(self, step: int) -> list[tuple[int, int]]:
        """This rank's ``(index, item_seed)`` keys at ``step``."""
        epoch, within = divmod(step, self.steps_per_epoch)
        order = self._order(epoch)
        first = within * self.global_batch + self.rank * self.batch
        positions = range(first, first + self.batch)
        key_epoch = epoch if self.shuffle else 0
        return [(int(order[p % self.size]), mix_seed(self.seed, self.stream, key_epoch, p)) for p in positions]

    def _order(self, epoch: int) -> torch.Tensor:
        if not self.shuffle:
            return torch.arange(self.size)
        if self._cached_epoch is None or self._cached_epoch[0] != epoch:
            generator = torch.Generator().manual_seed(mix_seed(self.seed, self.stream, epoch))
            self._cached_epoch = (epoch, torch.randperm(self.size, generator=generator))
        return self._cached_epoch[1]
