"""``DistributedDataParallel``: one model replica per process, gradients averaged.

How gradients are averaged while backward runs (the engine has no final callback):

1. Each parameter gets a tensor hook. nettrain's engine calls a leaf's hooks once its
   gradient for this backward is complete, and then accumulates it into ``.grad``.
2. The hook copies ``.grad + grad`` (what ``.grad`` is about to become; plain ``grad``
   after ``zero_grad``) into the parameter's slice of its bucket. When a bucket is full,
   its ``Iallreduce`` starts, so communication overlaps the rest of backward.
3. The hook of the last expected parameter is the end of this model's backward: it waits
   for every bucket, divides by the world size, writes the averages into the other
   parameters' ``.grad`` (already stored by the engine) and returns its own average for
   the engine to store. Inside ``no_sync()`` the hooks do nothing, so gradients
   accumulate locally and the next synced backward reduces the accumulated sum.

If a backward leaves some parameters without gradients, the next forward raises (as
PyTorch) unless ``find_unused_parameters=True``, which walks the graph after forward and
marks unreached parameters ready at once (contributing their ``.grad`` or zeros).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from nettrain.autograd import grad_mode
from nettrain.distributed import collectives
from nettrain.nn.modules.module import Module
from nettrain.nn.parallel._buckets import Reducer
from nettrain.tensor import Tensor

__all__ = ["DistributedDataParallel"]


def _output_tensors(value: Any) -> list[Tensor]:
    if isinstance(value, Tensor):
        return [value]
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, (list, tuple)):
        return [t for item in value for t in _output_tensors(item)]
    return []


def _reachable_leaves(outputs: list[Tensor]) -> set[int]:
    """Ids of the leaf tensors that backward from ``outputs`` would reach."""
    seen: set[int] = set()
    leaves: set[int] = set()
    stack: list[Any] = [t.grad_fn if t.grad_fn is not None else t for t in outputs]
    while stack:
        node = stack.pop()
        if node is None or id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, Tensor):
            leaves.add(id(node))
            continue
        stack.extend(child for child, _ in node.next_functions if child is not None)
    return leaves


class DistributedDataParallel(Module):
    """Data parallelism over the default process group (PyTorch's name and arguments).

    At construction every parameter and buffer is broadcast from rank 0, so all replicas
    start equal; each backward then averages the gradients over the ranks, so after
    ``optimizer.step()`` they stay bit-identical. Each rank should see its own shard of
    every global batch (``DistributedSampler``).

    Args:
        module: the model to replicate; available as ``.module``.
        device_ids: accepted for PyTorch scripts; tensors stay where the module is.
        broadcast_buffers: copy rank 0's buffers (e.g. BatchNorm running stats) to every
            rank at the start of each forward.
        bucket_cap_mb: the size of a gradient bucket (one all-reduce each).
        find_unused_parameters: allow a forward that leaves some parameters unused.

    Example:
        >>> dist.init_process_group("mpi")
        >>> model = DistributedDataParallel(nn.Linear(4, 2))
        >>> model(x).sum().backward()      # .grad now holds the average over the ranks
    """

    def __init__(
        self,
        module: Module,
        device_ids: list[Any] | None = None,
        output_device: Any = None,
        dim: int = 0,
        broadcast_buffers: bool = True,
        init_sync: bool = True,
        process_group: Any = None,
        bucket_cap_mb: float | None = None,
        find_unused_parameters: bool = False,
        check_reduction: bool = False,
        gradient_as_bucket_view: bool = False,
        static_graph: bool = False,
    ) -> None:
        super().__init__()
        if process_group is not None:
            raise NotImplementedError("only the default process group: pass process_group=None")
        if dim != 0:
            raise ValueError(f"DistributedDataParallel scatters along dim 0, got dim={dim}")
        self.module = module
        self.device_ids = device_ids
        self.output_device = output_device
        self.broadcast_buffers = broadcast_buffers
        self.find_unused_parameters = find_unused_parameters
        self.require_backward_grad_sync = True
        comm = collectives.communicator()
        self._comm = comm
        params = [p for p in module.parameters() if p.requires_grad]
        if init_sync and comm.size > 1:
            for tensor in [*module.parameters(), *self._buffers_to_sync()]:
                comm.broadcast(tensor._data, 0)
        cap = 25.0 if bucket_cap_mb is None else float(bucket_cap_mb)
        self._reducer = Reducer(comm, params, max(1, int(cap * (1 << 20))))
        self._sync_this_backward = True
        self._hook_handles = [p.register_hook(self._hook_for(p)) for p in params]

    def _buffers_to_sync(self) -> list[Tensor]:
        return [b for b in self.module.buffers() if b is not None]

    def _hook_for(self, param: Tensor) -> Any:
        reducer = self._reducer

        def hook(grad: Tensor) -> Tensor | None:
            if not self._sync_this_backward or id(param) in reducer.ready:
                return None
            reducer.mark(param, grad._data)
            if reducer.done():
                return Tensor._make(reducer.finish(param))
            return None

        hook.__name__ = "ddp_allreduce_hook"
        return hook

    def forward(self, *inputs: Any, **kwargs: Any) -> Any:
        reducer = self._reducer
        if reducer.ready:
            missing = reducer.unready()
            reducer.reset()
            raise RuntimeError(
                "Expected to have finished reduction in the prior iteration before starting "
                f"a new one: {len(missing)} parameter(s) got no gradient in the last "
                "backward (e.g. shapes "
                f"{[tuple(p.shape) for p in missing[:3]]}). Pass "
                "find_unused_parameters=True to DistributedDataParallel, or make every "
                "parameter take part in the loss"
            )
        if self.broadcast_buffers and self.training and self._comm.size > 1:
            for buffer in self._buffers_to_sync():
                self._comm.broadcast(buffer._data, 0)
        output = self.module(*inputs, **kwargs)
        self._sync_this_backward = self.require_backward_grad_sync and grad_mode._state[0]
        if self._sync_this_backward and self.find_unused_parameters:
            used = _reachable_leaves(_output_tensors(output))
            for p in reducer.unready():
                if id(p) not in used:
                    reducer.mark(p, None)
        return output

    @contextlib.contextmanager
    def no_sync(self) -> Iterator[None]:
        """Skip the all-reduce for backwards of forwards run inside: .grad accumulates
        locally, and the first synced backward after it averages the accumulated sum."""
        previous = self.require_backward_grad_sync
        self.require_backward_grad_sync = False
        try:
            yield
        finally:
            self.require_backward_grad_sync = previous
