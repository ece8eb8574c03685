"""The iterator behind ``DataLoader(num_workers > 0)``: forked workers, batches in order.

The parent keeps ``prefetch_factor * num_workers`` batches in flight, handing batch ``k`` to
worker ``k % num_workers`` (PyTorch's round robin), and yields them in the sampler's order,
so the batches equal those of ``num_workers=0``. Shutdown (end of epoch, early break,
garbage collection, an error) stops the workers, joins them and unlinks every shared-memory
segment still in flight.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import pickle
import queue
import time
from collections.abc import Iterator
from typing import Any

import numpy as np

from nettrain.random import _generator_for
from nettrain.utils.data._worker import decode, discard, rebuild_error, worker_loop

_POLL_S = 0.5  # how often a waiting parent checks that its workers are alive


def fork_context() -> Any:
    """The ``fork`` multiprocessing context, or a RuntimeError saying what to do instead."""
    if "fork" not in multiprocessing.get_all_start_methods():
        raise RuntimeError(
            "DataLoader(num_workers>0) needs the 'fork' start method, which this platform "
            "lacks (nettrain never pickles tensors, so the dataset cannot be sent to spawned "
            "workers); use num_workers=0"
        )
    return multiprocessing.get_context("fork")


def base_seed(generator: Any) -> int:
    """The workers' base seed: a hash of the generator's current state.

    Derived without drawing, so the shuffle stream (and with it every later epoch's order)
    is exactly the one ``num_workers=0`` consumes; still reproducible from the seed, and
    new each epoch for non-persistent workers since each shuffle advances the state.
    """
    state = _generator_for(generator).get_state()["bit_generator"]["state"]
    words = [int(state["state"]), int(state["inc"])]
    entropy = [(w >> (32 * k)) & 0xFFFFFFFF for w in words for k in range(4)]
    return int(np.random.SeedSequence(entropy).generate_state(1, np.uint64)[0] >> 2)


class MultiProcessIter:
    """Worker processes for one loader; an epoch at a time via ``start_epoch``."""

    def __init__(self, loader: Any) -> None:
        self._loader = loader
        self._num_workers = loader.num_workers
        self._prefetch = loader.prefetch_factor * loader.num_workers
        self._timeout = loader.timeout
        self._epoch = -1
        self._workers: list[Any] = []
        self._index_queues: list[Any] = []
        self._result_queue: Any = None
        self._batches: Iterator[Any] = iter(())
        self._reorder: dict[int, tuple[str, Any]] = {}
        self._next_send = 0
        self._next_yield = 0
        self._exhausted = True
        self.base_seed: int | None = None

    # -- life cycle ----------------------------------------------------------------

    def _start_workers(self) -> None:
        from multiprocessing import resource_tracker

        # one tracker shared with the forked workers, so a segment created in a worker and
        # unlinked here leaves no stale entry (and a crashed parent's segments get unlinked)
        resource_tracker.ensure_running()
        context = fork_context()
        self._result_queue = context.Queue()
        parent = os.getpid()
        for worker_id in range(self._num_workers):
            index_queue = context.Queue()
            process = context.Process(
                target=worker_loop,
                args=(
                    self._loader,
                    worker_id,
                    self._num_workers,
                    self.base_seed + worker_id,  # type: ignore[operator]
                    index_queue,
                    self._result_queue,
                    parent,
                ),
                daemon=True,
            )
            process.start()
            self._workers.append(process)
            self._index_queues.append(index_queue)

    def start_epoch(self) -> MultiProcessIter:
        """Begin a pass over the sampler (starting the workers on the first one)."""
        self._drop_in_flight()
        self._epoch += 1
        loader = self._loader
        if loader.batch_sampler is None:
            batches: Iterator[Any] = ([i] for i in loader.sampler)
        else:
            batches = iter(loader._index_batches())
        first = next(batches, None)  # the sampler draws its order now, as in-process
        if not self._workers:
            self.base_seed = base_seed(loader.generator)
            self._start_workers()
        self._batches = iter(()) if first is None else _chain(first, batches)
        self._next_send = self._next_yield = 0
        self._reorder = {}
        self._exhausted = False
        for _ in range(self._prefetch):
            self._send_one()
        return self

    def _send_one(self) -> None:
        indices = next(self._batches, None)
        if indices is None:
            return
        worker = self._next_send % self._num_workers
        payload = np.asarray(indices, dtype=np.int64)
        self._index_queues[worker].put((self._epoch, self._next_send, payload))
        self._next_send += 1

    def __iter__(self) -> MultiProcessIter:
        return self

    def __next__(self) -> Any:
        if self._exhausted or self._next_yield >= self._next_send:
            self._end_epoch()
            raise StopIteration
        while self._next_yield not in self._reorder:
            self._receive()
        status, payload = self._reorder.pop(self._next_yield)
        self._next_yield += 1
        if status == "error":
            self.shutdown()
            raise rebuild_error(*payload)
        self._send_one()
        return decode(*payload)

    def _receive(self) -> None:
        """One reply from any worker into the reorder buffer (waiting, with the timeout)."""
        deadline = time.monotonic() + self._timeout if self._timeout > 0 else None
        while True:
            wait = _POLL_S if deadline is None else min(_POLL_S, deadline - time.monotonic())
            try:
                raw = self._result_queue.get(timeout=max(wait, 0.0))
                break
            except queue.Empty:
                self._check_workers()
                if deadline is not None and time.monotonic() >= deadline:
                    self.shutdown()
                    raise RuntimeError(
                        f"DataLoader timed out after {self._timeout} seconds"
                    ) from None
        epoch, send_idx, status, payload = pickle.loads(raw)
        if epoch != self._epoch:  # a batch of an epoch left early: never used
            if status == "ok":
                discard(payload[1])
            return
        self._reorder[send_idx] = (status, payload)

    def _check_workers(self) -> None:
        for worker_id, process in enumerate(self._workers):
            if not process.is_alive():
                code = process.exitcode
                self.shutdown()
                raise RuntimeError(
                    f"DataLoader worker {worker_id} (pid {process.pid}) exited unexpectedly "
                    f"with exit code {code}"
                )

    def _end_epoch(self) -> None:
        self._exhausted = True
        if not self._loader.persistent_workers:
            self.shutdown()

    def _drop_in_flight(self) -> None:
        """Unlink the segments of batches received but not yielded."""
        for status, payload in self._reorder.values():
            if status == "ok":
                discard(payload[1])
        self._reorder = {}

    def shutdown(self) -> None:
        """Stop and join every worker; unlink every segment still in flight. Idempotent."""
        self._exhausted = True
        if not self._workers:
            return
        workers, self._workers = self._workers, []
        for index_queue in self._index_queues:
            with contextlib.suppress(OSError, ValueError):
                index_queue.put(None)
        deadline = time.monotonic() + 5.0
        while any(p.is_alive() for p in workers) and time.monotonic() < deadline:
            self._drain()
            time.sleep(0.01)
        for process in workers:
            if process.is_alive():
                process.terminate()
            process.join(timeout=5.0)
        self._drain()
        self._drop_in_flight()
        for q in [*self._index_queues, self._result_queue]:
            q.cancel_join_thread()
            q.close()
        self._index_queues = []
        self._result_queue = None

    def _drain(self) -> None:
        """Unlink the segments of every reply still in the result queue."""
        while True:
            try:
                raw = self._result_queue.get_nowait()
            except (queue.Empty, OSError, ValueError, EOFError):
                return
            _, _, status, payload = pickle.loads(raw)
            if status == "ok":
                discard(payload[1])

    def __del__(self) -> None:
        with contextlib.suppress(Exception):  # at interpreter exit modules may be gone
            self.shutdown()


def _chain(first: Any, rest: Iterator[Any]) -> Iterator[Any]:
    yield first
    yield from rest
