"""Elementwise optimizer updates run chunk by chunk, optionally on several threads.

An Adam step is about a dozen elementwise passes over every parameter. Over whole
arrays each pass streams from memory; over chunks of ``CHUNK`` elements the chunk's
arrays stay in the core's L2 cache for all of them, and the chunks split between
threads (numpy releases the GIL inside ufuncs on large arrays). The arithmetic per
element is the same in every case, so the result is identical bit for bit whether a
step runs whole, chunked, on one thread or on several.

``NETTRAIN_OPTIM_THREADS`` sets the number of threads. The default is 1: inside a real
training step the BLAS workers that just ran the backward's matrix products are still
spinning on every core, and a second optimizer thread then competes with them (the MLP
b16 step with SGD over 670k parameters, interleaved in one process on 2 cores with
OpenBLAS on 2 threads: best 1.80 ms on one thread, 1.97 ms on two). More threads pay
when BLAS leaves cores free (``OPENBLAS_NUM_THREADS`` below the core count) or in
optimizer-only work (the Adam benchmark: 1.75 -> 1.43 ms on two). cupy arrays and
non-contiguous numpy arrays run whole, on the calling thread.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np

# 64k elements: six float32 chunks (param, grad, two moments, two work arrays) take
# 1.5 MiB, inside a 2 MiB L2. Measured on the 670k-parameter MLP, Intel Xeon: 2^15 and
# 2^17 were slower (more Python calls, or spills to L3).
CHUNK = 1 << 16
# Below this many elements in a step, a second thread costs more than it saves.
THREADED_MIN = 4 * CHUNK


def _thread_count() -> int:
    value = (os.environ.get("NETTRAIN_OPTIM_THREADS") or "").strip()
    if not value:
        return 1
    if not value.isdigit() or int(value) < 1:
        warnings.warn(
            f"NETTRAIN_OPTIM_THREADS={value!r} is not a positive integer; using 1 thread",
            stacklevel=2,
        )
        return 1
    return int(value)


THREADS = _thread_count()
_pool: list[ThreadPoolExecutor] = []


def _executor() -> ThreadPoolExecutor:
    """One pool for the process, created on first use."""
    if not _pool:
        _pool.append(ThreadPoolExecutor(THREADS - 1, thread_name_prefix="nettrain-optim"))
    return _pool[0]


# kernel(arrays, scratch, scalars): one chunk of each of a parameter's arrays, ``work``
# scratch arrays shaped like them, and that parameter's scalars.
Kernel = Callable[[Sequence[Any], Sequence[Any], Sequence[Any]], None]


def run_chunked(
    kernel: Kernel,
    arrays: Sequence[Sequence[Any]],
    scalars: Sequence[Sequence[Any]],
    work: int,
    threads: int | None = None,
) -> None:
    """Apply ``kernel`` over every parameter's arrays, in place, chunk by chunk.

    Args:
        kernel: the elementwise update of one chunk (it writes into its chunk arrays).
        arrays: per parameter, the arrays the kernel reads and writes (same shape each).
        scalars: per parameter, the kernel's scalar arguments (step sizes...).
        work: how many scratch arrays the kernel needs.
        threads: override ``THREADS`` (tests compare 1 against several).
    """
    threads = THREADS if threads is None else threads
    pieces: list[tuple[Sequence[Any], Sequence[Any]]] = []
    whole: list[tuple[Sequence[Any], Sequence[Any]]] = []
    for group, values in zip(arrays, scalars):
        if all(type(a) is np.ndarray and a.flags.c_contiguous for a in group):
            flat = [a.reshape(-1) for a in group]
            size = flat[0].size
            for start in range(0, size, CHUNK):
                pieces.append(([a[start : start + CHUNK] for a in flat], values))
        else:
            whole.append((group, values))
    for group, values in whole:  # cupy (or strided numpy): whole arrays, one pass each
        xp = _module_of(group[0])
        kernel(group, [xp.empty_like(group[0]) for _ in range(work)], values)
    if not pieces:
        return
    total = sum(chunks[0].size for chunks, _ in pieces)
    if threads <= 1 or total < THREADED_MIN or len(pieces) < 2:
        _run_pieces(kernel, pieces, work)
        return
    # contiguous slices of the piece list: each thread walks its own part of memory
    count = len(pieces)
    parts = [pieces[i * count // threads : (i + 1) * count // threads] for i in range(threads)]
    own_pool = threads != THREADS  # a test's thread count: a pool just for this call
    pool = ThreadPoolExecutor(threads - 1) if own_pool else _executor()
    futures = [pool.submit(_run_pieces, kernel, part, work) for part in parts[1:]]
    try:
        _run_pieces(kernel, parts[0], work)
    finally:
        for future in futures:
            future.result()  # re-raises a worker's error here
        if own_pool:
            pool.shutdown()


def _run_pieces(
    kernel: Kernel, pieces: list[tuple[Sequence[Any], Sequence[Any]]], work: int
) -> None:
    """One thread's share: its own scratch, reused for every chunk (per dtype)."""
    scratch: dict[Any, list[np.ndarray]] = {}
    for chunks, values in pieces:
        first = chunks[0]
        buffers = scratch.get(first.dtype)
        if buffers is None:
            buffers = scratch[first.dtype] = [np.empty(CHUNK, first.dtype) for _ in range(work)]
        size = first.size
        kernel(chunks, [b[:size] for b in buffers], values)


def _module_of(array: Any) -> Any:
    from nettrain.backend import get_array_module

    return get_array_module(array)
