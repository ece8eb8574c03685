"""All-reduce of cuda tensors through NCCL (``cupy.cuda.nccl``), bootstrapped over MPI.

UNTESTED ON HARDWARE: the tests drive this class with a fake ``nccl`` module on host
arrays (pointer, count, dtype and op mapping; the unique id broadcast); no GPU has run it.

Rank 0 creates NCCL's unique id and broadcasts it over MPI as a small integer buffer; each
rank then builds its ``NcclCommunicator``. Every collective is queued on the current cupy
stream, so it runs after the kernels that produced the gradient and before the ones that
read it, and ``wait()`` has nothing to block on.
"""

from __future__ import annotations

import importlib
from typing import Any

import numpy as np

from nettrain.distributed._comm import DoneWork, ReduceOp, Work, _check_contiguous

_DTYPES = {
    "int8": "NCCL_INT8",
    "uint8": "NCCL_UINT8",
    "int32": "NCCL_INT32",
    "uint32": "NCCL_UINT32",
    "int64": "NCCL_INT64",
    "uint64": "NCCL_UINT64",
    "float16": "NCCL_FLOAT16",
    "float32": "NCCL_FLOAT32",
    "float64": "NCCL_FLOAT64",
}
_OPS = {
    ReduceOp.SUM: "NCCL_SUM",
    ReduceOp.PRODUCT: "NCCL_PROD",
    ReduceOp.MIN: "NCCL_MIN",
    ReduceOp.MAX: "NCCL_MAX",
    ReduceOp.AVG: "NCCL_AVG",  # NCCL >= 2.10
}


def load_nccl() -> Any:
    """cupy's NCCL bindings, imported through the backend's guarded cupy."""
    from nettrain import backend

    cupy = backend.cupy_module()
    return importlib.import_module(cupy.__name__ + ".cuda.nccl")


def _pointer(array: Any) -> int:
    """The address of a cupy array (or, for the host fakes in tests, a numpy array)."""
    if isinstance(array, np.ndarray):
        return int(array.ctypes.data)
    return int(array.data.ptr)


class NCCLComm:
    """Collectives over NCCL on device arrays; MPI only carries the bootstrap and barrier."""

    def __init__(self, nccl: Any, mpi_comm: Any, stream: Any) -> None:
        self._nccl = nccl
        self._mpi_comm = mpi_comm  # an MPIComm
        self._stream = stream  # has .ptr and .synchronize(), e.g. cupy's current stream
        self.rank = mpi_comm.rank
        self.size = mpi_comm.size
        unique = np.zeros(128, dtype=np.int64)  # ncclUniqueId: 128 bytes, as ints
        if self.rank == 0:
            unique[:] = nccl.get_unique_id()
        mpi_comm.broadcast(unique, 0)
        ident = tuple(int(v) for v in unique)
        self._comm = nccl.NcclCommunicator(self.size, ident, self.rank)

    def _dtype(self, array: Any, what: str) -> int:
        _check_contiguous(array, what)
        name = _DTYPES.get(str(array.dtype))
        if name is None:
            raise TypeError(f"{what} over NCCL cannot move {array.dtype} tensors")
        return getattr(self._nccl, name)

    def allreduce(self, array: Any, op: ReduceOp) -> None:
        dtype = self._dtype(array, "all_reduce")
        ptr = _pointer(array)
        nccl_op = getattr(self._nccl, _OPS[op])
        self._comm.allReduce(ptr, ptr, array.size, dtype, nccl_op, self._stream.ptr)

    def iallreduce(self, array: Any, op: ReduceOp) -> Work:
        self.allreduce(array, op)  # queued on the stream: already asynchronous
        return DoneWork()

    def broadcast(self, array: Any, src: int) -> None:
        dtype = self._dtype(array, "broadcast")
        self._comm.bcast(_pointer(array), array.size, dtype, src, self._stream.ptr)

    def allgather(self, array: Any, out: Any) -> None:
        dtype = self._dtype(array, "all_gather")
        self._dtype(out, "all_gather")
        stream = self._stream.ptr
        self._comm.allGather(_pointer(array), _pointer(out), array.size, dtype, stream)

    def barrier(self) -> None:
        self._stream.synchronize()
        self._mpi_comm.barrier()

    def close(self) -> None:
        self._comm.destroy()
        self._mpi_comm.close()
