"""Helpers that let the training loop run data-parallel under ``mpiexec -n N``.

How the loop uses them (with ``training.parallel``, whose docstring says why the result
equals one process's):

1. ``parallel.start_world(device)`` before anything else: without a launcher that
   announced several processes it returns ``(0, 1)`` and imports nothing; otherwise it
   installs ``install_abort_hook()`` and joins the default process group.
2. ``per_rank_batch_size(cfg.data.batch_size, size, file, line, col)`` refuses a global
   batch that does not split evenly; the train loader samples this rank's slice of each
   global batch (``parallel.ShardedBatchSampler``), validation a shard of the split
   (``parallel.shard_dataset``).
3. The model runs wrapped in ``nn.parallel.DistributedDataParallel``; the optimizer and
   the checkpoints use the model itself (the same tensors, keys without ``module.``).
4. Every step all-reduces the step's metric sums and the Ctrl-C flag
   (``parallel.reduce_step``); ``reduce_weighted_means`` does the same for ad-hoc means.
5. Everything that writes (run directory, config, metrics, checkpoints, summary, the
   progress bar) happens on rank 0 only (``is_main_process()``).
6. The CLI's single exit point hands a caught error to ``end_job_on_error``, so one
   rank's failure ends every rank promptly and the message is shown once.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType
from typing import Any, TypeVar

import numpy as np

from nettrain.distributed import _comm, collectives
from nettrain.distributed._comm import ReduceOp
from nettrain.errors import BackendUnavailableError, ConfigError, ConfigIssue, NettrainError

_RANK_VARS = ("PMI_RANK", "OMPI_COMM_WORLD_RANK", "MV2_COMM_WORLD_RANK", "PMIX_RANK")
_EXIT_INTERRUPTED = 130  # the CLI's exit code for Ctrl-C
# How long a rank other than 0 waits, after an error rank 0 most likely shares (a config
# error), for rank 0's abort to end it before it prints a second copy of the message.
GRACE_S = 5.0
ABORT_DRAIN_S = 0.3  # seconds for the launcher to forward output before MPI_Abort
F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class WorldInfo:
    """This process's place in the job, as the MPI launcher announced it."""

    rank: int
    size: int

    @property
    def distributed(self) -> bool:
        """True under a launcher that started several processes."""
        return self.size > 1


def world_from_env(env: dict[str, str] | None = None) -> WorldInfo:
    """Rank and size from the launcher's variables (rank 0 of 1 without a launcher).

    Read before MPI starts, so a run without a launcher never imports mpi4py.
    """
    env = os.environ if env is None else env
    announced = _comm.launcher_world_size(env)
    size = announced[0] if announced else 1
    rank = next((int(env[v]) for v in _RANK_VARS if env.get(v, "").isdigit()), 0)
    return WorldInfo(rank=rank, size=size)


def per_rank_batch_size(
    batch_size: int,
    world_size: int,
    file: str | None = None,
    line: int | None = None,
    column: int | None = None,
) -> int:
    """Each rank's share of the global ``data.batch_size``.

    Raises:
        ConfigError: at ``data.batch_size`` when it does not divide by the world size.
    """
    if batch_size % world_size:
        lower = batch_size - batch_size % world_size
        options = [b for b in (lower, lower + world_size) if b > 0]
        raise ConfigError(
            ConfigIssue(
                "data.batch_size",
                f"the global batch {batch_size} does not split evenly over {world_size} processes",
                file,
                line,
                column,
                hint=f"use a multiple of {world_size}, e.g. "
                + " or ".join(str(b) for b in options),
            )
        )
    return batch_size // world_size


def reduce_weighted_means(sums: dict[str, float], count: int) -> tuple[dict[str, float], int]:
    """Global means from each rank's sums of ``metric * samples`` and its sample count.

    One all-reduce of a float64 buffer ``[*sums, count]``; every rank gets the same
    result, which equals the single-process mean over all samples. Without a process
    group it is the local mean.
    """
    names = sorted(sums)
    packed = np.array([float(sums[n]) for n in names] + [float(count)], dtype=np.float64)
    if collectives.is_initialized():
        collectives.communicator().allreduce(packed, ReduceOp.SUM)
    total = int(round(packed[-1]))
    means = {n: float(packed[i] / total) if total else float("nan") for i, n in enumerate(names)}
    return means, total


def is_main_process() -> bool:
    """True on rank 0 (and in a single process): the one rank that writes files."""
    if collectives.is_initialized():
        return collectives.get_rank() == 0
    return world_from_env().rank == 0


def rank_zero_only(function: F) -> F:
    """Run ``function`` on rank 0 only; other ranks get None (for writers and printers)."""

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return function(*args, **kwargs) if is_main_process() else None

    wrapper.__name__ = getattr(function, "__name__", "rank_zero_only")
    wrapper.__doc__ = function.__doc__
    return wrapper  # type: ignore[return-value]


def abort_world(code: int) -> None:
    """End every rank now (MPI_Abort) with exit code ``code``; no-op in one process.

    A rank that exits on an error while the others wait in an all-reduce would leave them
    waiting forever; MPI_Abort makes the launcher kill them all.
    """
    if not world_from_env().distributed:
        return
    sys.stdout.flush()
    sys.stderr.flush()
    try:
        mpi = _comm.load_mpi()
    except BackendUnavailableError:
        return  # no MPI: the launcher's other processes cannot be reached from here
    if mpi.COMM_WORLD.Get_size() > 1:  # a world of 1 under a foreign launcher: just exit
        # the launcher forwards this rank's output through a pipe; aborting at once can kill
        # its forwarder before the message just flushed reaches the terminal (seen under load)
        time.sleep(ABORT_DRAIN_S)
        mpi.COMM_WORLD.Abort(code)


def _agreed(error: BaseException) -> bool:
    """Errors every rank raises at the same step, after a collective decided them."""
    from nettrain.training.errors import NonFiniteLossError, TrainingInterrupted
    from nettrain.training.parallel import ReplicaMismatchError

    return isinstance(error, (NonFiniteLossError, TrainingInterrupted, ReplicaMismatchError))


def end_job_on_error(error: BaseException, code: int, show: Callable[[], None]) -> None:
    """Show ``error`` once for the whole job and make sure no rank is left waiting.

    In one process: ``show()``. Under a launcher: an error all ranks reached together (NaN
    loss, Ctrl-C, replicas differing; decided by an all-reduce) is shown by rank 0 and
    every rank returns to exit normally with ``code``. Any other error may be this rank's
    alone while the others wait in an all-reduce, so the job is aborted with ``code``
    (MPI_Abort): rank 0 shows it and aborts at once; another rank first waits
    ``GRACE_S`` when the error is an expected one (rank 0 then shows the same message and
    ends it) and shows and aborts at once for an unexpected one (a bug or a lost file).
    """
    world = world_from_env()
    if not world.distributed:
        show()
        return
    if _agreed(error):
        if world.rank == 0:
            show()
        return
    if world.rank != 0 and isinstance(error, (NettrainError, KeyboardInterrupt)):
        with contextlib.suppress(BackendUnavailableError):  # no MPI: nothing to join
            _comm.load_mpi()  # join MPI first, so that rank 0's abort can end this rank
        time.sleep(GRACE_S)
    show()
    abort_world(code)


def install_abort_hook() -> None:
    """Make an uncaught exception on any rank end the whole job promptly.

    The failing rank prints its traceback as Python would and then aborts every rank.
    Ctrl-C reaches all ranks at once, so only rank 0 reports it (exit code 130).
    """
    previous = sys.excepthook

    def hook(kind: type[BaseException], error: BaseException, tb: TracebackType | None) -> None:
        interrupted = issubclass(kind, KeyboardInterrupt)
        if not interrupted or world_from_env().rank == 0:
            if previous is sys.__excepthook__:
                traceback.print_exception(kind, error, tb)
            else:
                previous(kind, error, tb)
        abort_world(_EXIT_INTERRUPTED if interrupted else 1)

    sys.excepthook = hook
