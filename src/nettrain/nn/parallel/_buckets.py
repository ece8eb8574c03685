"""Gradient buckets: flat per-dtype buffers that one all-reduce each averages.

Parameters go into buckets in reverse registration order, the order in which backward
usually produces their gradients, so the first bucket fills (and its all-reduce starts)
while backward still computes the rest. Buckets are launched strictly in index order so
every rank issues its non-blocking collectives in the same sequence, as MPI requires,
whatever order the gradients arrive in.
"""

from __future__ import annotations

import time
from typing import Any

from nettrain.backend import get_array_module
from nettrain.distributed._comm import Communicator, ReduceOp
from nettrain.tensor import Tensor

_FIRST_BUCKET_BYTES = 1 << 20  # PyTorch's small first bucket: communication starts early


class Bucket:
    """One flat buffer and the parameters that own slices of it."""

    def __init__(self, params: list[Any]) -> None:
        self.params = params
        first = params[0]._data
        self.flat = get_array_module(first).empty(sum(p.numel() for p in params), first.dtype)
        self.slots = []
        offset = 0
        for p in params:
            size = p.numel()
            self.slots.append(self.flat[offset : offset + size].reshape(p._data.shape))
            offset += size
        self.pending = len(params)
        self.work: Any = None


def assign(params: list[Any], cap_bytes: int) -> list[Bucket]:
    """Split ``params`` (already in reverse order) into buckets of at most ``cap_bytes``."""
    buckets: list[Bucket] = []
    open_by_dtype: dict[Any, list[Any]] = {}
    limit = min(_FIRST_BUCKET_BYTES, cap_bytes)
    for p in params:
        group = open_by_dtype.setdefault(p._data.dtype, [])
        group.append(p)
        if sum(q._data.nbytes for q in group) >= limit:
            buckets.append(Bucket(group))
            open_by_dtype[p._data.dtype] = []
            limit = cap_bytes
    buckets.extend(Bucket(group) for group in open_by_dtype.values() if group)
    return buckets


class Reducer:
    """Fills buckets from gradient hooks and averages them over the ranks."""

    def __init__(self, comm: Communicator, params: list[Any], cap_bytes: int) -> None:
        self.comm = comm
        self.buckets = assign(list(reversed(params)), cap_bytes)
        self.where = {
            id(p): (bucket, index)
            for bucket in self.buckets
            for index, p in enumerate(bucket.params)
        }
        self.ready: set[int] = set()
        self.expected = len(params)
        self.next_launch = 0
        self.wait_seconds = 0.0  # time blocked on communication, for benchmarks

    def reset(self) -> None:
        for bucket in self.buckets:
            bucket.pending = len(bucket.params)
            bucket.work = None
        self.ready.clear()
        self.next_launch = 0

    def unready(self) -> list[Any]:
        return [p for b in self.buckets for p in b.params if id(p) not in self.ready]

    def mark(self, param: Any, grad: Any) -> None:
        """``param``'s gradient for this backward is ``grad`` plus what .grad already holds."""
        bucket, index = self.where[id(param)]
        slot = bucket.slots[index]
        current = param.grad
        if grad is None:
            slot[...] = 0 if current is None else current._data
        elif current is None:
            slot[...] = grad
        else:
            get_array_module(slot).add(current._data, grad, out=slot)
        self.ready.add(id(param))
        bucket.pending -= 1
        while self.next_launch < len(self.buckets) and self.buckets[self.next_launch].pending == 0:
            launch = self.buckets[self.next_launch]
            launch.work = self.comm.iallreduce(launch.flat, ReduceOp.SUM)
            self.next_launch += 1

    def done(self) -> bool:
        return len(self.ready) == self.expected

    def finish(self, last: Any) -> Any:
        """Wait for every bucket, write the averages into .grad; return ``last``'s average.

        ``last`` is the parameter whose hook is running: the engine has not stored its
        gradient yet, so its ``.grad`` (if any) is zeroed and the average returned for the
        engine to add, which is exact (0 + x == x) and keeps ranks bit-identical.
        """
        start = time.perf_counter()
        for bucket in self.buckets:
            bucket.work.wait()
        self.wait_seconds += time.perf_counter() - start
        size = self.comm.size
        result = None
        for bucket in self.buckets:
            if size > 1:
                bucket.flat /= size
            for p, slot in zip(bucket.params, bucket.slots):
                if p is last:
                    result = slot.copy()
                    if p.grad is not None:
                        p.grad._data[...] = 0
                elif p.grad is not None and p.grad._data.shape == slot.shape:
                    p.grad._data[...] = slot
                    p.grad._vc[0] += 1
                else:
                    p.grad = Tensor._make(slot.copy())
        self.reset()
        return result
