"""Data-parallel training under ``mpiexec -n N``: each rank's exact share of every batch.

``nettrain train C`` and ``mpiexec -n N nettrain train C`` run the same optimisation and
end with the same parameters, up to float summation order. The pieces that make it so:

- **Data.** Every rank builds the loader one process would build (same seed, same order of
  global batches of ``data.batch_size``) and takes only its contiguous slice of each batch
  (``ShardedBatchSampler``). PyTorch's ``DistributedSampler`` is not used here: its own
  permutation and its padding (repeated samples) would train on other batches than the
  single run does.
- **Loss.** DDP averages gradients over ranks; scaling a rank's mean loss by
  ``n_rank * N / n_batch`` (``loss_scale``) turns that average into the gradient of the
  mean over the global batch, the short last batch of an epoch included (a rank left
  without a sample of it trains on one sample with weight 0, so every rank still joins the
  gradient all-reduce).
- **Random draws.** Inside ``sharded_draws`` a draw shaped like the local batch returns
  this rank's rows of the draw one process makes for the whole batch, and every rank's
  stream advances as that one process's does: Dropout masks equal the single run's.
- **Metrics.** One all-reduce per step sums the step's metric sums over ranks together
  with the Ctrl-C flag (``reduce_step``), so every rank sees the single-process figures
  (the NaN check included) and all ranks stop at the same step.
- **Validation.** Each rank evaluates a contiguous shard of the split (``shard_dataset``,
  no padding, so every sample counts once) and the sums are reduced
  (``reduce_accumulator``).
- **Replicas.** ``check_replicas`` compares a digest of every parameter across ranks at
  each checkpoint: rank 0 only saves a model every rank holds.

Not exact (as in PyTorch): BatchNorm in training mode (per-rank statistics; use
``nn.SyncBatchNorm``), and random draws not shaped like the batch (GPU Dropout draws one
seed per call). Only rank 0 writes; the run directory must be on a file system every rank
sees for ``--resume``.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from nettrain.distributed import collectives
from nettrain.distributed._comm import ReduceOp
from nettrain.errors import NettrainError
from nettrain.training.metrics import MetricAccumulator

SUM_FIELDS = ("count", "loss_sum", "correct", "abs_sum", "sq_sum")


class ReplicaMismatchError(NettrainError, RuntimeError):
    """The ranks' parameters differ: data-parallel training lost its invariant."""


@dataclass(frozen=True)
class Share:
    """One rank's slice ``[start, start + count)`` of a global batch of ``total`` rows."""

    start: int
    count: int
    total: int

    @property
    def rows(self) -> int:
        """Rows this rank runs: its share, or one stand-in row (weight 0) when it has none."""
        return max(self.count, 1)


def share_of(total: int, rank: int, size: int) -> Share:
    """Contiguous, near-equal shares (the first ``total % size`` ranks get one more row).

    A rank without rows gets ``start=0``: its stand-in row is the batch's first.
    """
    base, extra = divmod(total, size)
    count = base + (1 if rank < extra else 0)
    start = rank * base + min(rank, extra) if count else 0
    return Share(start, count, total)


class ShardedBatchSampler:
    """This rank's slice of every batch of ``batch_sampler`` (see the module docstring).

    Example:
        >>> batches = BatchSampler(SequentialSampler(range(10)), 4, False)
        >>> list(ShardedBatchSampler(batches, rank=1, num_replicas=2))
        [[2, 3], [6, 7], [9]]
    """

    def __init__(self, batch_sampler: Iterable[list[int]], rank: int, num_replicas: int) -> None:
        self.batch_sampler = batch_sampler
        self.rank = rank
        self.num_replicas = num_replicas

    def __iter__(self) -> Iterator[list[int]]:
        for batch in self.batch_sampler:
            indices = list(batch)
            share = share_of(len(indices), self.rank, self.num_replicas)
            yield indices[share.start : share.start + share.rows]

    def __len__(self) -> int:
        return len(self.batch_sampler)  # type: ignore[arg-type]


def global_batch_sizes(samples: int, batch_size: int, drop_last: bool) -> list[int]:
    """The sizes of an epoch's global batches, in order (the last may be short)."""
    full, rest = divmod(samples, batch_size)
    return [batch_size] * full + ([rest] if rest and not drop_last else [])


def loss_scale(share: Share, size: int, reduction: str = "mean") -> float:
    """The factor on this rank's loss that makes DDP's gradient average exact.

    ``mean``: ``count * size / total`` (exactly 1.0 for equal shares); ``sum``: ``size``
    (the global loss is the sum over ranks, DDP divides by ``size``); a stand-in row: 0.
    """
    if share.count == 0:
        return 0.0
    if reduction == "sum":
        return float(size)
    return share.count * size / share.total


@contextlib.contextmanager
def sharded_draws(share: Share, generator: Any = None) -> Iterator[None]:
    """Batch-shaped draws of ``generator`` (the global one) take this rank's rows of the
    draw one process makes for the whole batch; the stream ends where that one's does.

    A draw is batch-shaped when its first dimension is ``share.rows``; float64 uniforms
    take one step of the stream each, so skipping ``start * row_size`` steps before and
    the other ranks' rows after reproduces the single-process stream exactly.
    """
    from nettrain.random import default_generator

    gen = default_generator if generator is None else generator
    original = gen.random

    def random(shape: tuple[int, ...]) -> np.ndarray:
        shape = tuple(shape)
        if not shape or shape[0] != share.rows:
            return original(shape)
        row = int(np.prod(shape[1:], dtype=np.int64))
        gen._skip(share.start * row)
        values = original(shape)
        gen._skip((share.total - share.start - share.rows) * row)
        return values

    gen.random = random
    try:
        yield
    finally:
        del gen.random  # back to the class's method


def host_communicator() -> Any:
    """The group's MPI communicator for small host buffers (NCCL's bootstrap one on GPUs)."""
    comm = collectives.communicator()
    return getattr(comm, "_mpi_comm", comm)


def _sums(accumulator: MetricAccumulator) -> np.ndarray:
    return np.array([float(getattr(accumulator, f)) for f in SUM_FIELDS], dtype=np.float64)


def _set_sums(accumulator: MetricAccumulator, values: np.ndarray) -> None:
    for name, value in zip(SUM_FIELDS, values):
        setattr(accumulator, name, int(round(value)) if name in ("count", "correct") else value)


def reduce_step(local: MetricAccumulator, stop: bool) -> tuple[MetricAccumulator, bool]:
    """One step's metric sums over every rank, and whether any rank was asked to stop.

    Returns an accumulator holding the global batch's sums (add it to the epoch's with
    ``add_sums``); its ``loss_sum / count`` is the global batch's mean loss.
    """
    packed = np.append(_sums(local), 1.0 if stop else 0.0)
    host_communicator().allreduce(packed, ReduceOp.SUM)
    step = MetricAccumulator(local.task, ["loss", *local.metrics])
    _set_sums(step, packed[:-1])
    return step, bool(packed[-1] > 0)


def add_sums(target: MetricAccumulator, step: MetricAccumulator) -> None:
    """Add ``step``'s sums into ``target`` (as ``target.update`` would for its batch)."""
    _set_sums(target, _sums(target) + _sums(step))


def reduce_accumulator(accumulator: MetricAccumulator) -> None:
    """Sum ``accumulator`` over every rank, in place (each rank held one shard)."""
    packed = _sums(accumulator)
    host_communicator().allreduce(packed, ReduceOp.SUM)
    _set_sums(accumulator, packed)


def agree(flag: bool) -> bool:
    """True on every rank when it is True on any rank (e.g. Ctrl-C seen by some)."""
    packed = np.array([1.0 if flag else 0.0])
    host_communicator().allreduce(packed, ReduceOp.MAX)
    return bool(packed[0] > 0)


def shard_dataset(dataset: Any, rank: int, size: int) -> Any:
    """This rank's contiguous shard of ``dataset``: every sample in exactly one shard."""
    from nettrain.utils.data import Subset

    share = share_of(len(dataset), rank, size)
    return Subset(dataset, range(share.start, share.start + share.count))


def broadcast_text(text: str | None) -> str:
    """Rank 0's ``text`` on every rank (e.g. the run directory it created)."""
    comm = host_communicator()
    data = (text or "").encode("utf-8") if comm.rank == 0 else b""
    length = np.array([len(data)], dtype=np.int64)
    comm.broadcast(length, 0)
    buffer = np.zeros(int(length[0]), dtype=np.uint8)
    if comm.rank == 0:
        buffer[:] = np.frombuffer(data, dtype=np.uint8)
    comm.broadcast(buffer, 0)
    return buffer.tobytes().decode("utf-8")


def parameter_digest(tensors: Iterable[Any]) -> int:
    """A 63-bit digest of the tensors' bytes, in order (equal iff bit-identical, w.h.p.)."""
    digest = hashlib.blake2b(digest_size=8)
    for tensor in tensors:
        digest.update(np.ascontiguousarray(tensor.detach().cpu().numpy()).tobytes())
    return int.from_bytes(digest.digest(), "little") >> 1


def check_replicas(tensors: Iterable[Any], where: str) -> None:
    """Raise on every rank when the ranks' tensors are not bit-identical.

    Raises:
        ReplicaMismatchError: naming the ranks that differ from rank 0 and ``where``.
    """
    comm = host_communicator()
    mine = np.array([parameter_digest(tensors)], dtype=np.int64)
    every = np.zeros((comm.size, 1), dtype=np.int64)
    comm.allgather(mine, every)
    differ = [r for r in range(comm.size) if every[r, 0] != every[0, 0]]
    if differ:
        raise ReplicaMismatchError(
            f"the model replicas differ {where}: rank(s) {differ} hold other parameters than "
            "rank 0, so data-parallel training lost its invariant (a rank changed its "
            "parameters outside the optimizer step, or ran another step); stopped before "
            "saving a checkpoint only rank 0 has"
        )


def start_world(device: str = "cpu") -> tuple[int, int]:
    """Join the ranks the launcher started (rank, size); ``(0, 1)`` without a launcher.

    Without a launcher that announced several processes nothing is imported (mpi4py's
    MPI_Init never runs). Otherwise an uncaught error on any rank aborts the job, and
    the default group is ``nccl`` for a cuda device, else ``mpi``.

    Raises:
        BackendUnavailableError: several processes without mpi4py, or a launcher whose
            process count MPI does not see.
    """
    from nettrain.training.distributed import install_abort_hook, world_from_env

    if not world_from_env().distributed:
        return 0, 1
    if not collectives.is_initialized():
        install_abort_hook()
        collectives.init_process_group("nccl" if device.startswith("cuda") else "mpi")
    return collectives.get_rank(), collectives.get_world_size()


class NullWriter:
    """The metrics writer of ranks other than 0: takes records, writes nothing."""

    def write(self, record: dict[str, Any]) -> None:
        return None

    def close(self) -> None:
        return None
