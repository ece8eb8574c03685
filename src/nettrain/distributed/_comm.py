"""The communication seam: one small interface, an MPI and a one-process implementation.

Collectives in ``nettrain.distributed`` and the gradient buckets of
``DistributedDataParallel`` talk only to a ``Communicator``. ``MPIComm`` moves host
(numpy) buffers with mpi4py's buffer-based calls; ``NCCLComm`` (``_nccl.py``) moves
device (cupy) buffers; ``SelfComm`` is the world of one process, used when no launcher
started several. Every call reduces in place on a C-contiguous array, so no pickling and
no hidden copies happen here.
"""

from __future__ import annotations

import os
from enum import Enum
from typing import Any, Protocol

import numpy as np

from nettrain.errors import BackendUnavailableError

INSTALL_HINT = (
    "pip install 'nettrain[mpi]' (from a checkout: pip install -e '.[mpi]'); it brings "
    "mpi4py and the mpich wheel with mpiexec"
)

# Variables that MPI launchers set to the number of processes they started.
_LAUNCHER_SIZE_VARS = (
    "PMI_SIZE",  # MPICH / Intel MPI (hydra)
    "OMPI_COMM_WORLD_SIZE",  # Open MPI
    "MV2_COMM_WORLD_SIZE",  # MVAPICH2
    "PMIX_SIZE",  # some PMIx launchers
    "MPI_LOCALNRANKS",  # MPICH: ranks on this host, a lower bound on the world
)


class ReduceOp(Enum):
    """How ``all_reduce`` combines the ranks' tensors (PyTorch's names)."""

    SUM = "sum"
    PRODUCT = "product"
    MIN = "min"
    MAX = "max"
    AVG = "avg"


class Work(Protocol):
    """A collective in flight (PyTorch's ``Work``): ``wait()`` completes it."""

    def wait(self) -> bool: ...

    def is_completed(self) -> bool: ...


class Communicator(Protocol):
    """What the collectives need from a backend; every array is C-contiguous."""

    rank: int
    size: int

    def allreduce(self, array: Any, op: ReduceOp) -> None: ...

    def iallreduce(self, array: Any, op: ReduceOp) -> Work: ...

    def broadcast(self, array: Any, src: int) -> None: ...

    def allgather(self, array: Any, out: Any) -> None: ...

    def barrier(self) -> None: ...

    def close(self) -> None: ...


class DoneWork:
    """A collective that finished when it was started (one process, blocking calls)."""

    def __init__(self, after: Any = None) -> None:
        self._after = after

    def wait(self) -> bool:
        if self._after is not None:
            self._after()
            self._after = None
        return True

    def is_completed(self) -> bool:
        return True


def launcher_world_size(env: dict[str, str] | None = None) -> tuple[int, str] | None:
    """The process count an MPI launcher announced in the environment, and its variable."""
    env = os.environ if env is None else env
    for name in _LAUNCHER_SIZE_VARS:
        value = env.get(name, "")
        if value.isdigit():
            return int(value), name
    return None


def check_launcher(mpi_size: int, library: str, env: dict[str, str] | None = None) -> None:
    """Refuse a launcher that started N > 1 processes while MPI sees a world of one.

    That happens when ``mpiexec`` belongs to another MPI than the library mpi4py loaded:
    every process then believes it is alone and trains its own copy, silently.

    Raises:
        BackendUnavailableError: (a RuntimeError) naming the launcher's variable and the
            library, so the CLI reports it as bad setup (exit 2), not as a bug.
    """
    announced = launcher_world_size(env)
    if announced is None or mpi_size > 1:
        return
    size, name = announced
    if size > 1:
        raise BackendUnavailableError(
            f"the launcher started {size} processes ({name}={size}) but MPI reports a world "
            f"of 1 process: mpiexec comes from a different MPI than the library mpi4py "
            f"loaded ({library}). Launch with the mpiexec installed beside this python "
            f"(the mpich wheel puts it in the same bin/ folder), or rebuild mpi4py against "
            f"the launcher's MPI"
        )


def load_mpi() -> Any:
    """mpi4py's ``MPI`` module, or a clear error saying what to install.

    ``from mpi4py import MPI`` raises RuntimeError, not ImportError, when mpi4py is
    installed but its MPI library is missing, so both are caught.
    """
    try:
        from mpi4py import MPI
    except (ImportError, RuntimeError) as error:
        raise BackendUnavailableError(
            f"the 'mpi' backend needs mpi4py and an MPI library ({error}); install them "
            f"with: {INSTALL_HINT}"
        ) from error
    return MPI


def mpi_is_available() -> bool:
    """True when mpi4py and its MPI library load."""
    try:
        load_mpi()
    except BackendUnavailableError:
        return False
    return True


def _check_contiguous(array: Any, what: str) -> None:
    if not array.flags.c_contiguous:
        raise ValueError(
            f"{what} needs a contiguous tensor (got strides {array.strides} for shape "
            f"{array.shape}); call .contiguous() on it first"
        )


def _divide_in_place(array: Any, size: int) -> None:
    if array.dtype.kind not in "fc":
        raise TypeError(
            f"ReduceOp.AVG needs a floating-point tensor, got {array.dtype}; use "
            "ReduceOp.SUM and divide yourself"
        )
    array /= size


class _MPIWork:
    """An ``Iallreduce`` in flight; ``wait`` finishes it (and AVG's division)."""

    def __init__(self, request: Any, after: Any) -> None:
        self._request = request
        self._after = after

    def wait(self) -> bool:
        if self._request is not None:
            self._request.Wait()
            self._request = None
            if self._after is not None:
                self._after()
        return True

    def is_completed(self) -> bool:
        return self._request is None or bool(self._request.Test())


class MPIComm:
    """Collectives over MPI on host arrays, with mpi4py's buffer-based (uppercase) calls."""

    def __init__(self, mpi: Any, comm: Any) -> None:
        self._mpi = mpi
        self._comm = comm
        self.rank = comm.Get_rank()
        self.size = comm.Get_size()
        self._ops = {
            ReduceOp.SUM: mpi.SUM,
            ReduceOp.AVG: mpi.SUM,
            ReduceOp.PRODUCT: mpi.PROD,
            ReduceOp.MIN: mpi.MIN,
            ReduceOp.MAX: mpi.MAX,
        }

    def _host(self, array: Any, what: str) -> np.ndarray:
        if not isinstance(array, np.ndarray):
            raise TypeError(
                f"{what} over the 'mpi' backend needs a CPU tensor (got {type(array).__name__}"
                "); use backend='nccl' for cuda tensors"
            )
        _check_contiguous(array, what)
        return array

    def _after(self, array: np.ndarray, op: ReduceOp) -> Any:
        if op is ReduceOp.AVG:
            if array.dtype.kind not in "fc":  # check before any rank starts communicating
                _divide_in_place(array, self.size)
            return lambda: _divide_in_place(array, self.size)
        return None

    def allreduce(self, array: Any, op: ReduceOp) -> None:
        array = self._host(array, "all_reduce")
        after = self._after(array, op)
        self._comm.Allreduce(self._mpi.IN_PLACE, array, op=self._ops[op])
        if after is not None:
            after()

    def iallreduce(self, array: Any, op: ReduceOp) -> Work:
        array = self._host(array, "all_reduce")
        after = self._after(array, op)
        request = self._comm.Iallreduce(self._mpi.IN_PLACE, array, op=self._ops[op])
        return _MPIWork(request, after)

    def broadcast(self, array: Any, src: int) -> None:
        self._comm.Bcast(self._host(array, "broadcast"), root=src)

    def allgather(self, array: Any, out: Any) -> None:
        self._comm.Allgather(self._host(array, "all_gather"), self._host(out, "all_gather"))

    def barrier(self) -> None:
        self._comm.Barrier()

    def abort(self, code: int) -> None:
        self._mpi.COMM_WORLD.Abort(code)

    def close(self) -> None:
        self._comm.Free()


class SelfComm:
    """The world of one process: every collective is the identity (AVG divides by 1)."""

    rank = 0
    size = 1

    def allreduce(self, array: Any, op: ReduceOp) -> None:
        _check_contiguous(array, "all_reduce")
        if op is ReduceOp.AVG and array.dtype.kind not in "fc":
            _divide_in_place(array, 1)  # raises the dtype error, as with several ranks

    def iallreduce(self, array: Any, op: ReduceOp) -> Work:
        self.allreduce(array, op)
        return DoneWork()

    def broadcast(self, array: Any, src: int) -> None:
        _check_contiguous(array, "broadcast")

    def allgather(self, array: Any, out: Any) -> None:
        out[0] = array

    def barrier(self) -> None:
        return None

    def close(self) -> None:
        return None
