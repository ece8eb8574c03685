"""``DistributedSampler``: each rank's disjoint share of a dataset, PyTorch's rule.

The epoch's order (a permutation seeded by ``seed + epoch``, the same on every rank) is
padded by repeating its start until it divides by the number of replicas (or cut, with
``drop_last``), then rank r takes positions r, r + N, r + 2N, ... The permutation comes
from numpy (``default_rng(seed + epoch)``), not torch's generator, so shuffled orders
differ from PyTorch's while the padding and partitioning are the same.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sized

import numpy as np

from nettrain.utils.data.sampler import Sampler

__all__ = ["DistributedSampler"]


def _world(num_replicas: int | None, rank: int | None) -> tuple[int, int]:
    if num_replicas is None or rank is None:
        from nettrain import distributed as dist

        if not dist.is_initialized():
            raise RuntimeError(
                "DistributedSampler needs num_replicas and rank, or an initialized process "
                "group: call nettrain.distributed.init_process_group('mpi') first"
            )
        num_replicas = dist.get_world_size() if num_replicas is None else num_replicas
        rank = dist.get_rank() if rank is None else rank
    if rank >= num_replicas or rank < 0:
        raise ValueError(
            f"Invalid rank {rank}, rank should be in the interval [0, {num_replicas - 1}]"
        )
    return num_replicas, rank


class DistributedSampler(Sampler):
    """Restrict data loading to this rank's share of the dataset.

    Call ``set_epoch(epoch)`` before each epoch when shuffling: every rank must use the
    same permutation, and it must change between epochs.

    Args:
        dataset: anything with ``len``.
        num_replicas: the number of ranks (default: the process group's world size).
        rank: this rank (default: the process group's rank).
        shuffle: a new permutation each epoch (seeded by ``seed + epoch``).
        seed: the same on every rank.
        drop_last: cut the tail so every rank gets the same count without repeats.

    Example:
        >>> sampler = DistributedSampler(ds, num_replicas=2, rank=0, shuffle=False)
        >>> list(sampler)                       # for len(ds) == 5: [0, 2, 4]
    """

    def __init__(
        self,
        dataset: Sized,
        num_replicas: int | None = None,
        rank: int | None = None,
        shuffle: bool = True,
        seed: int = 0,
        drop_last: bool = False,
    ) -> None:
        self.dataset = dataset
        self.num_replicas, self.rank = _world(num_replicas, rank)
        self.epoch = 0
        self.drop_last = drop_last
        length = len(dataset)
        if drop_last and length % self.num_replicas != 0:
            self.num_samples = math.ceil((length - self.num_replicas) / self.num_replicas)
        else:
            self.num_samples = math.ceil(length / self.num_replicas)
        self.total_size = self.num_samples * self.num_replicas
        self.shuffle = shuffle
        self.seed = seed

    def _indices(self) -> np.ndarray:
        length = len(self.dataset)
        if self.shuffle:
            order = np.random.default_rng(self.seed + self.epoch).permutation(length)
        else:
            order = np.arange(length, dtype=np.int64)
        if self.drop_last:
            order = order[: self.total_size]
        elif self.total_size > length:
            order = np.resize(order, self.total_size)  # repeats from the start, as PyTorch
        return order[self.rank : self.total_size : self.num_replicas].astype(np.int64)

    def __iter__(self) -> Iterator[int]:
        return iter(self._indices().tolist())

    def __len__(self) -> int:
        return self.num_samples

    def set_epoch(self, epoch: int) -> None:
        """Use epoch ``epoch``'s permutation next (the same on every rank)."""
        self.epoch = epoch
