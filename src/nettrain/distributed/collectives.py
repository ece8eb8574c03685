"""The default process group and PyTorch's collectives on tensors, in place.

One process group exists at a time (PyTorch's default group); ``group`` arguments accept
only ``None``. Tensors are reduced in their own storage: no pickling and no copies, so a
non-contiguous tensor is refused with the fix rather than silently copied.
"""

from __future__ import annotations

from typing import Any

from nettrain.backend import get_array_module
from nettrain.distributed import _comm
from nettrain.distributed._comm import Communicator, ReduceOp, SelfComm, Work
from nettrain.errors import BackendUnavailableError
from nettrain.tensor import Tensor

_STATE: dict[str, Any] = {"comm": None, "backend": None}


def is_available() -> bool:
    """True: the package works everywhere (a world of one process without MPI)."""
    return True


def is_mpi_available() -> bool:
    """True when mpi4py and an MPI library are installed."""
    return _comm.mpi_is_available()


def is_nccl_available() -> bool:
    """True when cupy with its NCCL bindings loads."""
    from nettrain.distributed._nccl import load_nccl

    try:
        load_nccl()
    except (ImportError, RuntimeError):
        return False
    return True


def is_initialized() -> bool:
    """True between ``init_process_group`` and ``destroy_process_group``."""
    return _STATE["comm"] is not None


def _group() -> Communicator:
    comm = _STATE["comm"]
    if comm is None:
        raise ValueError(
            "Default process group has not been initialized, please make sure to call "
            "init_process_group."
        )
    return comm


def _check_group(group: Any) -> None:
    if group is not None:
        raise NotImplementedError(
            "nettrain.distributed has only the default process group; pass group=None"
        )


def _world_comm(world_size: int) -> Communicator:
    """COMM_WORLD over mpi4py, or the one-process world when MPI is absent and unneeded."""
    announced = _comm.launcher_world_size()
    wanted = max(world_size, announced[0] if announced else 1)
    try:
        mpi = _comm.load_mpi()
    except BackendUnavailableError as error:
        if wanted > 1:
            raise BackendUnavailableError(
                f"{wanted} processes were asked for, which needs MPI: {error}"
            ) from error
        return SelfComm()
    _comm.check_launcher(mpi.COMM_WORLD.Get_size(), mpi.Get_library_version().splitlines()[0])
    return _comm.MPIComm(mpi, mpi.COMM_WORLD.Dup())  # our own context: no tag clashes


def _nccl_comm(world: Communicator) -> Communicator:
    from nettrain import backend
    from nettrain.distributed._nccl import NCCLComm, load_nccl

    if not isinstance(world, _comm.MPIComm):
        raise BackendUnavailableError(
            "the 'nccl' backend bootstraps over MPI; install it with: " + _comm.INSTALL_HINT
        )
    cupy = backend.cupy_module()
    return NCCLComm(load_nccl(), world, cupy.cuda.get_current_stream())


def init_process_group(
    backend: str | None = None,
    init_method: str | None = None,
    timeout: Any = None,
    world_size: int = -1,
    rank: int = -1,
    store: Any = None,
    group_name: str = "",
    pg_options: Any = None,
    device_id: Any = None,
) -> None:
    """Join the processes the MPI launcher started into the default group.

    The launcher decides the world: ``world_size`` and ``rank``, when given, are checked
    against it. ``backend`` is ``"mpi"`` (host tensors) or ``"nccl"`` (cuda tensors,
    bootstrapped over MPI); ``None`` means ``"mpi"``.

    Raises:
        RuntimeError: a group already exists, or the launcher and MPI disagree on the size.
        ValueError: an unknown backend or init_method, or world_size/rank the launcher
            did not give.
        BackendUnavailableError: several processes without mpi4py installed.
    """
    name = "mpi" if backend is None else str(backend).lower()
    if name == "gloo":
        raise ValueError(
            "nettrain has no 'gloo' backend: use backend='mpi' for CPU tensors (launch with "
            "mpiexec -n N), or 'nccl' for cuda tensors"
        )
    if name not in ("mpi", "nccl"):
        raise ValueError(f"unknown backend {backend!r}; expected 'mpi' or 'nccl'")
    if init_method not in (None, "env://"):
        raise ValueError(
            f"init_method={init_method!r} is not supported: the MPI launcher (mpiexec) "
            "connects the processes; leave init_method=None"
        )
    if is_initialized():
        raise RuntimeError("trying to initialize the default process group twice!")
    comm = _world_comm(world_size)
    for label, given, actual in (("world_size", world_size, comm.size), ("rank", rank, comm.rank)):
        if given != -1 and given != actual:
            comm.close()
            raise ValueError(
                f"init_process_group({label}={given}) but the MPI launcher gave this "
                f"process {label} {actual}; leave {label}=-1 to take the launcher's"
            )
    if name == "nccl":
        comm = _nccl_comm(comm)
    _STATE["comm"], _STATE["backend"] = comm, name


def destroy_process_group(group: Any = None) -> None:
    """Leave the default group (MPI itself is finalized by mpi4py at exit)."""
    _check_group(group)
    comm = _STATE["comm"]
    if comm is not None:
        comm.close()
    _STATE["comm"], _STATE["backend"] = None, None


def get_backend(group: Any = None) -> str:
    """``"mpi"`` or ``"nccl"``."""
    _check_group(group)
    _group()
    return str(_STATE["backend"])


def get_rank(group: Any = None) -> int:
    """This process's index in the group, 0 to world size - 1."""
    _check_group(group)
    return _group().rank


def get_world_size(group: Any = None) -> int:
    """The number of processes in the group."""
    _check_group(group)
    return _group().size


def communicator() -> Communicator:
    """The default group's backend object (for DistributedDataParallel and SyncBatchNorm)."""
    return _group()


def _array(tensor: Any, what: str) -> Any:
    if not isinstance(tensor, Tensor):
        raise TypeError(f"{what} expects a Tensor, got {type(tensor).__name__}")
    return tensor._data


def _op(op: Any) -> ReduceOp:
    if not isinstance(op, ReduceOp):
        raise TypeError(f"op must be a dist.ReduceOp (e.g. ReduceOp.SUM), got {op!r}")
    return op


def all_reduce(
    tensor: Tensor, op: ReduceOp = ReduceOp.SUM, group: Any = None, async_op: bool = False
) -> Work | None:
    """Combine ``tensor`` over all ranks, in place; every rank gets the result.

    With ``async_op=True`` the reduction runs in the background (MPI ``Iallreduce``) and
    the returned work's ``wait()`` must be called before the tensor is read.
    """
    _check_group(group)
    comm, array, op = _group(), _array(tensor, "all_reduce"), _op(op)
    tensor._vc[0] += 1
    if async_op:
        return comm.iallreduce(array, op)
    comm.allreduce(array, op)
    return None


def broadcast(tensor: Tensor, src: int, group: Any = None, async_op: bool = False) -> Work | None:
    """Copy rank ``src``'s ``tensor`` into every other rank's, in place."""
    _check_group(group)
    comm = _group()
    if not 0 <= src < comm.size:
        raise ValueError(f"broadcast src={src} is not a rank of a world of {comm.size}")
    comm.broadcast(_array(tensor, "broadcast"), src)
    tensor._vc[0] += 1
    return _comm.DoneWork() if async_op else None


def all_gather(
    tensor_list: list[Tensor], tensor: Tensor, group: Any = None, async_op: bool = False
) -> Work | None:
    """Fill ``tensor_list[r]`` with rank r's ``tensor``, on every rank."""
    _check_group(group)
    comm, array = _group(), _array(tensor, "all_gather")
    if len(tensor_list) != comm.size:
        raise ValueError(
            f"all_gather needs a tensor_list of world size {comm.size}, got {len(tensor_list)}"
        )
    for index, out in enumerate(tensor_list):
        if tuple(out.shape) != tuple(tensor.shape) or out.dtype != tensor.dtype:
            raise ValueError(
                f"all_gather: tensor_list[{index}] has shape {tuple(out.shape)} and dtype "
                f"{out.dtype}, expected {tuple(tensor.shape)} and {tensor.dtype} like tensor"
            )
    gathered = get_array_module(array).empty((comm.size, *array.shape), dtype=array.dtype)
    comm.allgather(array, gathered)
    for out, part in zip(tensor_list, gathered):
        out._data[...] = part
        out._vc[0] += 1
    return _comm.DoneWork() if async_op else None


def barrier(group: Any = None, async_op: bool = False, device_ids: Any = None) -> Work | None:
    """Wait until every rank has reached this call."""
    _check_group(group)
    _group().barrier()
    return _comm.DoneWork() if async_op else None
