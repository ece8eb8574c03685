"""Samplers: the order in which a DataLoader visits a map-style dataset."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sized

import numpy as np

from nettrain.random import Generator, default_generator


class Sampler:
    """Yields dataset indices; ``_indices()`` gives one epoch's order as an int64 array."""

    def __iter__(self) -> Iterator[int]:
        return iter(self._indices().tolist())

    def _indices(self) -> np.ndarray:
        raise NotImplementedError(f"{type(self).__name__} must implement __iter__")


class SequentialSampler(Sampler):
    """0, 1, ..., len(data_source) - 1."""

    def __init__(self, data_source: Sized) -> None:
        self.data_source = data_source

    def _indices(self) -> np.ndarray:
        return np.arange(len(self.data_source), dtype=np.int64)

    def __len__(self) -> int:
        return len(self.data_source)


class RandomSampler(Sampler):
    """A fresh random permutation each epoch (or draws with replacement), from ``generator``.

    The generator advances every epoch, so epochs differ while the run stays reproducible.
    """

    def __init__(
        self,
        data_source: Sized,
        replacement: bool = False,
        num_samples: int | None = None,
        generator: Generator | None = None,
    ) -> None:
        self.data_source = data_source
        self.replacement = replacement
        self._num_samples = num_samples
        self.generator = generator
        if not isinstance(self.num_samples, int) or self.num_samples <= 0:
            raise ValueError(
                f"num_samples should be a positive integer value, but got {self.num_samples}"
            )

    @property
    def num_samples(self) -> int:
        """Samples per epoch (the dataset's length unless given)."""
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def _indices(self) -> np.ndarray:
        gen = default_generator if self.generator is None else self.generator
        n = len(self.data_source)
        if self.replacement:
            return gen.integers(0, n, (self.num_samples,))
        chunks = [gen.permutation(n) for _ in range(-(-self.num_samples // n))]
        return np.concatenate(chunks)[: self.num_samples].astype(np.int64, copy=False)

    def __len__(self) -> int:
        return self.num_samples


class SubsetRandomSampler(Sampler):
    """The given indices in a random order each epoch."""

    def __init__(self, indices: Iterable[int], generator: Generator | None = None) -> None:
        self.indices = np.asarray(list(indices), dtype=np.int64)
        self.generator = generator

    def _indices(self) -> np.ndarray:
        gen = default_generator if self.generator is None else self.generator
        return self.indices[gen.permutation(len(self.indices))]

    def __len__(self) -> int:
        return len(self.indices)


class BatchSampler(Sampler):
    """Groups another sampler's indices into lists of ``batch_size``."""

    def __init__(self, sampler: Iterable[int], batch_size: int, drop_last: bool) -> None:
        if not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size <= 0:
            raise ValueError(
                f"batch_size should be a positive integer value, but got batch_size={batch_size}"
            )
        if not isinstance(drop_last, bool):
            raise ValueError(f"drop_last should be a boolean value, but got drop_last={drop_last}")
        self.sampler = sampler
        self.batch_size = batch_size
        self.drop_last = drop_last

    def __iter__(self) -> Iterator[list[int]]:  # type: ignore[override]
        for batch in self._batches():
            yield batch.tolist()

    def _batches(self) -> Iterator[np.ndarray]:
        order = _order(self.sampler)
        stop = len(order) - len(order) % self.batch_size if self.drop_last else len(order)
        for start in range(0, stop, self.batch_size):
            yield order[start : start + self.batch_size]

    def __len__(self) -> int:
        n = len(self.sampler)  # type: ignore[arg-type]
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)


def _order(sampler: Iterable[int]) -> np.ndarray:
    """One epoch of ``sampler`` as an int64 array (without a Python loop for ours)."""
    kind = type(sampler)
    if (
        isinstance(sampler, Sampler)
        and kind.__iter__ is Sampler.__iter__
        and kind._indices is not Sampler._indices
    ):
        return sampler._indices()
    return np.fromiter(iter(sampler), dtype=np.int64)
