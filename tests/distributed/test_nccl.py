"""The NCCL seam driven by a fake ``nccl`` module on host arrays (no GPU here).

The fake plays a world of ``size`` ranks that all hold the same buffer, reading and
writing memory through the pointers NCCLComm passes, so the pointer, count, dtype and op
mapping and the unique-id bootstrap are what is checked.
"""

import ctypes

import numpy as np
import pytest

from nettrain.distributed._comm import ReduceOp, SelfComm
from nettrain.distributed._nccl import NCCLComm


class _FakeNccl:
    NCCL_FLOAT32, NCCL_FLOAT64, NCCL_INT64 = 7, 8, 4
    NCCL_INT8 = NCCL_UINT8 = NCCL_INT32 = NCCL_UINT32 = NCCL_UINT64 = NCCL_FLOAT16 = -1
    NCCL_SUM, NCCL_PROD, NCCL_MAX, NCCL_MIN, NCCL_AVG = range(5)
    _numpy = {7: np.float32, 8: np.float64, 4: np.int64}

    def __init__(self, size):
        self.size = size
        self.calls = []

    def get_unique_id(self):
        return tuple(range(-64, 64))

    def NcclCommunicator(self, ndev, ident, rank):  # noqa: N802  (cupy's name)
        self.calls.append(("init", ndev, ident, rank))
        return _FakeNcclComm(self)

    def view(self, ptr, count, dtype):
        kind = self._numpy[dtype]
        raw = (ctypes.c_byte * (count * np.dtype(kind).itemsize)).from_address(ptr)
        return np.frombuffer(raw, dtype=kind)


class _FakeNcclComm:
    def __init__(self, nccl):
        self.nccl = nccl

    def allReduce(self, send, recv, count, dtype, op, stream):  # noqa: N802
        self.nccl.calls.append(("allReduce", send == recv, count, dtype, op, stream))
        data = self.nccl.view(send, count, dtype)
        result = {0: data * self.nccl.size, 1: data**self.nccl.size, 4: data}.get(op, data)
        self.nccl.view(recv, count, dtype)[:] = result

    def bcast(self, buff, count, dtype, root, stream):
        self.nccl.calls.append(("bcast", count, dtype, root, stream))

    def destroy(self):
        self.nccl.calls.append(("destroy",))


class _Stream:
    ptr = 1234

    def synchronize(self):
        pass


def test_unique_id_goes_from_mpi_into_the_communicator():
    nccl = _FakeNccl(size=1)
    NCCLComm(nccl, SelfComm(), _Stream())
    assert nccl.calls == [("init", 1, tuple(range(-64, 64)), 0)]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_allreduce_in_place_through_pointers(dtype):
    nccl = _FakeNccl(size=3)
    comm = NCCLComm(nccl, SelfComm(), _Stream())
    comm.size = 3  # the fake world
    array = np.arange(5, dtype=dtype)
    comm.iallreduce(array, ReduceOp.SUM).wait()
    np.testing.assert_array_equal(array, np.arange(5) * 3)
    assert array.dtype == dtype
    code = nccl.NCCL_FLOAT32 if dtype is np.float32 else nccl.NCCL_FLOAT64
    assert nccl.calls[-1] == ("allReduce", True, 5, code, nccl.NCCL_SUM, 1234)
    comm.allreduce(array, ReduceOp.AVG)
    assert nccl.calls[-1][4] == nccl.NCCL_AVG


def test_refuses_non_contiguous_and_unknown_dtypes():
    comm = NCCLComm(_FakeNccl(size=2), SelfComm(), _Stream())
    with pytest.raises(ValueError, match="contiguous"):
        comm.allreduce(np.zeros((2, 3)).T, ReduceOp.SUM)
    with pytest.raises(TypeError, match="complex128"):
        comm.allreduce(np.zeros(2, complex), ReduceOp.SUM)
