"""``nettrain.distributed``: PyTorch's collectives, over MPI (CPU) or NCCL (cuda).

Start N processes with an MPI launcher (``mpiexec -n N python train.py``), call
``init_process_group("mpi")`` in each, then use the collectives on tensors in place.
Without a launcher the world is one process and every collective is the identity.

Example:
    >>> import nettrain.distributed as dist
    >>> dist.init_process_group("mpi")
    >>> t = nettrain.ones(3) * dist.get_rank()
    >>> dist.all_reduce(t)                     # every rank now holds the sum
    >>> dist.destroy_process_group()
"""

from nettrain.distributed._comm import ReduceOp, Work
from nettrain.distributed.collectives import (
    all_gather,
    all_reduce,
    barrier,
    broadcast,
    destroy_process_group,
    get_backend,
    get_rank,
    get_world_size,
    init_process_group,
    is_available,
    is_initialized,
    is_mpi_available,
    is_nccl_available,
)

__all__ = [
    "ReduceOp",
    "Work",
    "all_gather",
    "all_reduce",
    "barrier",
    "broadcast",
    "destroy_process_group",
    "get_backend",
    "get_rank",
    "get_world_size",
    "init_process_group",
    "is_available",
    "is_initialized",
    "is_mpi_available",
    "is_nccl_available",
]
