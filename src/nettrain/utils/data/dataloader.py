"""``DataLoader``: batches of a dataset in a reproducible order, collated into tensors."""

from __future__ import annotations

import collections.abc
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np

from nettrain.backend import to_device
from nettrain.random import Generator
from nettrain.tensor import Tensor
from nettrain.utils.data.dataset import Dataset, IterableDataset, TensorDataset
from nettrain.utils.data.sampler import (
    BatchSampler,
    RandomSampler,
    Sampler,
    SequentialSampler,
)


def default_collate(batch: Sequence[Any]) -> Any:
    """Stack a list of samples into a batch, recursing into tuples, lists and dicts.

    Tensors and numpy arrays are stacked along a new first dimension; Python floats become a
    float64 tensor and ints an int64 tensor (as in PyTorch); strings are left as they came.
    A tuple or list sample gives a list of collated fields (named tuples keep their type).

    Raises:
        TypeError: a sample holds something that cannot be batched.
        RuntimeError: list/tuple samples have different lengths.
    """
    elem = batch[0]
    if isinstance(elem, Tensor):
        return _stack([t._data for t in batch], batch)
    if isinstance(elem, np.ndarray):
        if elem.dtype.kind in "OSUV":
            raise TypeError(f"default_collate: numpy arrays of dtype {elem.dtype} cannot batch")
        return Tensor._make(np.stack(batch))
    if isinstance(elem, np.generic):
        return Tensor._make(np.asarray(batch))
    if isinstance(elem, bool):
        return Tensor._make(np.asarray(batch, dtype=np.bool_))
    if isinstance(elem, float):
        return Tensor._make(np.asarray(batch, dtype=np.float64))
    if isinstance(elem, int):
        return Tensor._make(np.asarray(batch, dtype=np.int64))
    if isinstance(elem, (str, bytes)):
        return batch  # as PyTorch: the list, or the tuple a field of tuple samples came as
    if isinstance(elem, collections.abc.Mapping):
        collated = {key: default_collate([d[key] for d in batch]) for key in elem}
        try:
            return type(elem)(collated)  # type: ignore[call-arg]
        except TypeError:
            return collated
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):
        return type(elem)(*(default_collate(field) for field in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        size = len(elem)
        if any(len(sample) != size for sample in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        return [default_collate(field) for field in zip(*batch)]
    raise TypeError(
        "default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; "
        f"found {type(elem)}"
    )


def _stack(arrays: list[Any], tensors: Sequence[Tensor]) -> Tensor:
    if any(t.requires_grad for t in tensors):
        from nettrain.functions import stack

        return stack(list(tensors))
    shapes = {a.shape for a in arrays}
    if len(shapes) > 1:
        raise RuntimeError(
            f"stack expects each tensor to be equal size, but got shapes {sorted(shapes)} in "
            "one batch (pass a collate_fn that pads, or use equal-sized samples)"
        )
    from nettrain.backend import get_array_module

    return Tensor._make(get_array_module(arrays[0]).stack(arrays))


class DataLoader:
    """Iterate over ``dataset`` in batches, as ``torch.utils.data.DataLoader``.

    Args:
        dataset: a map-style ``Dataset`` (indexable, with ``len``) or an ``IterableDataset``.
        batch_size: samples per batch; None yields samples one by one, uncollated.
        shuffle: visit samples in a new random order each epoch.
        sampler: a custom order (exclusive with ``shuffle``).
        batch_sampler: yields whole lists of indices (exclusive with the four options above).
        num_workers: worker processes loading batches (0: load in the calling process).
            Workers are forked, so the dataset is inherited rather than pickled; worker
            ``i`` is seeded with ``base_seed + i`` (``get_worker_info().seed``), ``base_seed``
            derived from ``generator``'s state each time the workers start (without drawing
            from it, so the batches and their order, epoch after epoch, are those of
            ``num_workers=0``).
        collate_fn: turns a list of samples into a batch (default: ``default_collate``).
        pin_memory: accepted; a no-op (there is no pinned host memory on the CPU backend).
        drop_last: drop the last batch when it is smaller than ``batch_size``.
        timeout: seconds to wait for a worker's batch before a RuntimeError (0: forever).
        worker_init_fn: called with the worker id in each worker, after seeding.
        multiprocessing_context: None or ``"fork"`` (the only start method that works
            without pickling the dataset).
        generator: the random stream for shuffling (default: nettrain's global one, so
            ``nettrain.manual_seed`` makes the order reproducible).
        prefetch_factor: batches in flight per worker (default 2 with workers).
        persistent_workers: keep the workers alive between epochs.
        pin_memory_device, in_order: accepted for PyTorch compatibility (batches always
            come in order).
        seed: shorthand for ``generator=Generator().manual_seed(seed)``.

    A ``TensorDataset`` with the default collate is indexed with each whole batch of indices
    at once instead of sample by sample.

    Example:
        >>> loader = DataLoader(TensorDataset(x, y), batch_size=32, shuffle=True, seed=0)
        >>> for xb, yb in loader:
        ...     pass
    """

    def __init__(
        self,
        dataset: Dataset,
        batch_size: int | None = 1,
        shuffle: bool | None = None,
        sampler: Sampler | None = None,
        batch_sampler: Any = None,
        num_workers: int = 0,
        collate_fn: Callable[[list[Any]], Any] | None = None,
        pin_memory: bool = False,
        drop_last: bool = False,
        timeout: float = 0,
        worker_init_fn: Callable[[int], None] | None = None,
        multiprocessing_context: Any = None,
        generator: Generator | None = None,
        *,
        prefetch_factor: int | None = None,
        persistent_workers: bool = False,
        pin_memory_device: str = "",
        in_order: bool = True,
        seed: int | None = None,
    ) -> None:
        if num_workers < 0:
            raise ValueError("num_workers option should be non-negative")
        if timeout < 0:
            raise ValueError("timeout option should be non-negative")
        if num_workers == 0 and prefetch_factor is not None:
            raise ValueError(
                "prefetch_factor option could only be specified in multiprocessing.let "
                "num_workers > 0 to enable multiprocessing, otherwise set prefetch_factor to None."
            )
        if num_workers > 0 and prefetch_factor is None:
            prefetch_factor = 2
        if prefetch_factor is not None and prefetch_factor < 0:
            raise ValueError("prefetch_factor option should be non-negative")
        if persistent_workers and num_workers == 0:
            raise ValueError("persistent_workers option needs num_workers > 0")
        _check_context(multiprocessing_context)
        if seed is not None:
            if generator is not None:
                raise ValueError("give either generator or seed, not both")
            generator = Generator().manual_seed(seed)
        self.dataset = dataset
        self.batch_size = batch_size
        self.drop_last = drop_last
        self.num_workers = num_workers
        self.pin_memory = pin_memory
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.multiprocessing_context = multiprocessing_context
        self.generator = generator
        self.prefetch_factor = prefetch_factor
        self.persistent_workers = persistent_workers
        self.pin_memory_device = pin_memory_device
        self.in_order = in_order
        self._workers: Any = None
        self._iterable = isinstance(dataset, IterableDataset)
        if self._iterable:
            if shuffle or sampler is not None or batch_sampler is not None:
                raise ValueError(
                    "DataLoader with IterableDataset: expected unspecified shuffle, sampler and "
                    "batch_sampler options"
                )
        elif batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError(
                    "batch_sampler option is mutually exclusive with batch_size, shuffle, "
                    "sampler, and drop_last"
                )
            batch_size = None
            self.batch_size = None
        elif batch_size is None and drop_last:
            raise ValueError(
                "batch_size=None option disables auto-batching and is mutually exclusive with "
                "drop_last"
            )
        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        if sampler is None and not self._iterable:
            sampler = (
                RandomSampler(dataset, generator=generator)  # type: ignore[arg-type]
                if shuffle
                else SequentialSampler(dataset)  # type: ignore[arg-type]
            )
        if batch_size is not None and batch_sampler is None and not self._iterable:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)  # type: ignore[arg-type]
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self._auto_collate = collate_fn is None
        self.collate_fn = default_collate if collate_fn is None else collate_fn

    def __len__(self) -> int:
        if self._iterable:
            length = len(self.dataset)  # type: ignore[arg-type]
            if self.batch_size is None:
                return length
            return length // self.batch_size if self.drop_last else -(-length // self.batch_size)
        if self.batch_sampler is not None:
            return len(self.batch_sampler)
        return len(self.sampler)  # type: ignore[arg-type]

    def __iter__(self) -> Iterator[Any]:
        if self.num_workers == 0:
            return self._iter_here()
        if self._iterable:
            raise NotImplementedError(
                "DataLoader(num_workers>0) with an IterableDataset is not implemented: use "
                "num_workers=0, or a map-style Dataset (with __getitem__ and __len__)"
            )
        from nettrain.utils.data._multiprocess import MultiProcessIter

        if self.persistent_workers:
            if self._workers is None:
                self._workers = MultiProcessIter(self)
            return self._workers.start_epoch()
        return MultiProcessIter(self).start_epoch()

    def _fast_path(self) -> bool:
        return self._auto_collate and type(self.dataset) is TensorDataset

    def _index_batches(self) -> Iterator[np.ndarray]:
        if isinstance(self.batch_sampler, BatchSampler):
            return self.batch_sampler._batches()
        return (np.asarray(b, dtype=np.int64) for b in self.batch_sampler)  # type: ignore[union-attr]

    def _iter_here(self) -> Iterator[Any]:
        if self._iterable:
            yield from self._iter_stream()
            return
        if self.batch_sampler is None:  # batch_size=None: samples one by one
            for index in self.sampler:  # type: ignore[union-attr]
                yield self.dataset[index]
            return
        fast = self._fast_path()
        for indices in self._index_batches():
            if fast:
                yield self._index_tensors(indices)
            else:
                yield self.collate_fn([self.dataset[i] for i in indices.tolist()])

    def _index_tensors(self, indices: np.ndarray) -> list[Tensor]:
        """One batch of a TensorDataset: each tensor indexed with all the batch's indices."""
        batch = []
        contiguous = len(indices) > 0 and bool(
            indices[-1] - indices[0] == len(indices) - 1 and np.all(np.diff(indices) == 1)
        )
        for tensor in self.dataset.tensors:  # type: ignore[attr-defined]
            data = tensor._data
            if contiguous:
                rows = data[int(indices[0]) : int(indices[-1]) + 1].copy()
            else:
                index = (
                    indices if isinstance(data, np.ndarray) else to_device(indices, tensor.device)
                )
                rows = data[index]
            batch.append(Tensor._make(rows))
        return batch

    def _iter_stream(self) -> Iterator[Any]:
        if self.batch_size is None:
            yield from iter(self.dataset)  # type: ignore[call-overload]
            return
        pending: list[Any] = []
        for sample in self.dataset:  # type: ignore[attr-defined]
            pending.append(sample)
            if len(pending) == self.batch_size:
                yield self.collate_fn(pending)
                pending = []
        if pending and not self.drop_last:
            yield self.collate_fn(pending)


def _check_context(context: Any) -> None:
    """Only fork works: spawned workers would need the dataset pickled, and nettrain never
    pickles tensors."""
    if context is None:
        return
    method = context if isinstance(context, str) else getattr(context, "get_start_method", None)
    if callable(method):
        method = method()
    if method != "fork":
        raise ValueError(
            f"multiprocessing_context {context!r} is not supported: DataLoader workers are "
            "forked (the dataset is inherited, never pickled); use None or 'fork'"
        )
