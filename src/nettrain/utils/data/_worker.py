"""What runs inside a DataLoader worker process, and how its batches cross to the parent.

nettrain never pickles Tensors, so a batch travels in two parts: its arrays are copied into
one ``multiprocessing.shared_memory`` segment, and only small metadata (the batch's
structure with placeholders, offsets, shapes and dtypes) goes through the queue. Workers are
forked, so the dataset, collate_fn and worker_init_fn are inherited, never pickled.
"""

from __future__ import annotations

import collections.abc
import os
import pickle
import queue
import random
import traceback
from dataclasses import dataclass
from multiprocessing import shared_memory
from typing import Any

import numpy as np

from nettrain.tensor import Tensor


@dataclass(frozen=True)
class WorkerInfo:
    """About the current worker, as ``torch.utils.data.get_worker_info()`` returns it.

    Attributes:
        id: this worker's index, ``0 <= id < num_workers``.
        num_workers: how many workers the loader runs.
        seed: ``base_seed + id``; nettrain's and Python's generators are seeded with it.
        dataset: this process's copy of the dataset.
    """

    id: int
    num_workers: int
    seed: int
    dataset: Any


_worker_info: WorkerInfo | None = None


def get_worker_info() -> WorkerInfo | None:
    """The current worker's ``WorkerInfo`` inside a DataLoader worker; None in the parent."""
    return _worker_info


class _Array:
    """Placeholder for the ``index``-th array of a batch (Tensor or numpy)."""

    __slots__ = ("index", "tensor")

    def __init__(self, index: int, tensor: bool) -> None:
        self.index = index
        self.tensor = tensor

    def __reduce__(self) -> Any:
        return (_Array, (self.index, self.tensor))


def _strip(obj: Any, arrays: list[np.ndarray]) -> Any:
    """``obj`` with every Tensor / numpy array replaced by an ``_Array`` placeholder."""
    if isinstance(obj, Tensor):
        data = obj._data
        if not isinstance(data, np.ndarray):
            raise TypeError(
                "DataLoader workers can only return CPU tensors; move them to the device in "
                "the training loop (batch.to('cuda')), not in the dataset"
            )
        arrays.append(data)
        return _Array(len(arrays) - 1, True)
    if isinstance(obj, np.ndarray) and obj.dtype.kind not in "OV":
        arrays.append(obj)
        return _Array(len(arrays) - 1, False)
    if isinstance(obj, tuple) and hasattr(obj, "_fields"):
        return type(obj)(*(_strip(v, arrays) for v in obj))
    if isinstance(obj, (list, tuple)):
        return type(obj)(_strip(v, arrays) for v in obj)
    if isinstance(obj, collections.abc.Mapping):
        return type(obj)({k: _strip(v, arrays) for k, v in obj.items()})  # type: ignore[call-arg]
    return obj


def _fill(obj: Any, arrays: list[np.ndarray]) -> Any:
    """Inverse of ``_strip``: placeholders back to Tensors / arrays."""
    if isinstance(obj, _Array):
        array = arrays[obj.index]
        return Tensor._make(array) if obj.tensor else array
    if isinstance(obj, tuple) and hasattr(obj, "_fields"):
        return type(obj)(*(_fill(v, arrays) for v in obj))
    if isinstance(obj, (list, tuple)):
        return type(obj)(_fill(v, arrays) for v in obj)
    if isinstance(obj, collections.abc.Mapping):
        return type(obj)({k: _fill(v, arrays) for k, v in obj.items()})  # type: ignore[call-arg]
    return obj


def encode(batch: Any) -> tuple[Any, str | None, list[tuple[int, tuple[int, ...], str]]]:
    """``(structure, shared-memory name or None, [(offset, shape, dtype), ...])``."""
    arrays: list[np.ndarray] = []
    structure = _strip(batch, arrays)
    if not arrays:
        return structure, None, []
    layout, offset = [], 0
    for array in arrays:
        offset = -(-offset // 64) * 64  # aligned starts keep numpy's fast paths
        layout.append((offset, array.shape, array.dtype.str))
        offset += array.nbytes
    segment = shared_memory.SharedMemory(create=True, size=max(offset, 1))
    try:
        for array, (start, shape, dtype) in zip(arrays, layout):
            view = np.ndarray(shape, dtype=dtype, buffer=segment.buf, offset=start)
            view[...] = array
            del view
    except BaseException:
        segment.close()
        segment.unlink()
        raise
    name = segment.name
    segment.close()  # the parent unlinks it once it has copied the arrays out
    return structure, name, layout


def decode(structure: Any, name: str | None, layout: list[Any]) -> Any:
    """Rebuild a batch from ``encode``'s parts; unlinks the segment."""
    if name is None:
        return structure
    segment = shared_memory.SharedMemory(name=name)
    try:
        arrays = [
            np.ndarray(shape, dtype=dtype, buffer=segment.buf, offset=start).copy()
            for start, shape, dtype in layout
        ]
    finally:
        segment.close()
        segment.unlink()
    return _fill(structure, arrays)


def discard(name: str | None) -> None:
    """Unlink a segment whose batch will never be used (early break, stale epoch)."""
    if name is None:
        return
    try:
        segment = shared_memory.SharedMemory(name=name)
    except FileNotFoundError:
        return
    segment.close()
    segment.unlink()


def worker_loop(
    loader: Any,
    worker_id: int,
    num_workers: int,
    seed: int,
    index_queue: Any,
    result_queue: Any,
    parent_pid: int,
) -> None:
    """Fetch the batches named on ``index_queue`` until told to stop (``None``).

    Each task is ``(epoch, send_idx, indices)``; each reply is the pickled bytes of
    ``(epoch, send_idx, "ok", encoded batch)`` or ``(epoch, send_idx, "error", error)``.
    """
    global _worker_info
    import nettrain

    random.seed(seed)
    nettrain.manual_seed(seed)
    np.random.seed(seed % 2**32)
    _worker_info = WorkerInfo(worker_id, num_workers, seed, loader.dataset)
    try:
        if loader.worker_init_fn is not None:
            loader.worker_init_fn(worker_id)
    except Exception as exc:  # reported with the first task, like PyTorch
        init_error: Exception | None = exc
        init_trace = traceback.format_exc()
    else:
        init_error, init_trace = None, ""
    while True:
        try:
            task = index_queue.get(timeout=1.0)
        except queue.Empty:
            if os.getppid() != parent_pid:  # the parent died: nobody will read our batches
                return
            continue
        if task is None:
            return
        epoch, send_idx, indices = task
        if init_error is not None:
            error = _error(init_error, init_trace, worker_id, "in worker_init_fn")
            result_queue.put(_pack(epoch, send_idx, ("error", error), worker_id))
            continue
        try:
            reply: Any = ("ok", encode(_fetch(loader, indices)))
        except _SampleError as failed:
            where = f"while loading sample {failed.index}"
            reply = ("error", _error(failed.cause, failed.trace, worker_id, where))
        except Exception as exc:
            where = f"while collating the batch of samples {list(indices)[:8]}"
            reply = ("error", _error(exc, traceback.format_exc(), worker_id, where))
        result_queue.put(_pack(epoch, send_idx, reply, worker_id))


def _pack(epoch: int, send_idx: int, reply: tuple[str, Any], worker_id: int) -> bytes:
    """The reply as bytes, pickled here so a failure is reported rather than lost in the
    queue's feeder thread (only ints, strings, shapes and dtypes: never a Tensor)."""
    try:
        return pickle.dumps((epoch, send_idx, *reply))
    except Exception as exc:
        if reply[0] == "ok":
            discard(reply[1][1])
        where = "while sending the batch (its structure holds an object that cannot be sent)"
        error = _error(exc, traceback.format_exc(), worker_id, where)
        return pickle.dumps((epoch, send_idx, "error", error))


class _SampleError(Exception):
    def __init__(self, index: int, cause: Exception, trace: str) -> None:
        super().__init__(index)
        self.index, self.cause, self.trace = index, cause, trace


def _fetch(loader: Any, indices: Any) -> Any:
    if loader.batch_sampler is None:  # batch_size=None: one sample, uncollated
        return _sample(loader.dataset, int(indices[0]))
    if loader._fast_path():
        return loader._index_tensors(np.asarray(indices, dtype=np.int64))
    return loader.collate_fn([_sample(loader.dataset, int(i)) for i in indices])


def _sample(dataset: Any, index: int) -> Any:
    try:
        return dataset[index]
    except Exception as exc:
        raise _SampleError(index, exc, traceback.format_exc()) from exc


def _error(exc: Exception, trace: str, worker_id: int, where: str) -> tuple[str, str, str]:
    """``(module, qualname, message)`` of the exception to raise in the parent."""
    message = (
        f"Caught {type(exc).__name__} in DataLoader worker process {worker_id} {where}.\n"
        f"Original {trace}"
    )
    return type(exc).__module__, type(exc).__qualname__, message


def rebuild_error(module: str, qualname: str, message: str) -> Exception:
    """The worker's exception type with the worker's message (RuntimeError if it cannot be)."""
    import importlib

    try:
        cls: Any = importlib.import_module(module)
        for part in qualname.split("."):
            cls = getattr(cls, part)
        error = cls(message)
        if isinstance(error, Exception):
            return error
    except Exception:
        pass
    return RuntimeError(message)
