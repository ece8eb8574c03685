"""``SyncBatchNorm``: batch statistics over the whole global batch, across ranks.

In training mode under a process group of several ranks, each channel's mean and
variance are those of the concatenation of every rank's batch: per-channel sums are
all-reduced (two passes, mean then centred squares, for accuracy), and the all-reduce is
differentiable (its backward all-reduces the incoming gradient), so input gradients equal
those of BatchNorm on the concatenated batch. Outside a group, or in eval mode, it is a
plain per-rank BatchNorm.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nettrain.autograd import Function, no_grad
from nettrain.distributed import collectives
from nettrain.distributed._comm import ReduceOp
from nettrain.nn.modules.module import Module
from nettrain.nn.modules.normalization import _BatchNorm
from nettrain.tensor import Tensor

__all__ = ["SyncBatchNorm"]


class _AllReduceSum(Function):
    """y = sum over ranks of x; dL/dx on each rank = sum over ranks of dL/dy."""

    @staticmethod
    def forward(ctx: Any, x: Tensor) -> Tensor:
        out = x.detach().clone().contiguous()
        collectives.communicator().allreduce(out._data, ReduceOp.SUM)
        return out

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Tensor:
        out = grad.detach().clone().contiguous()
        collectives.communicator().allreduce(out._data, ReduceOp.SUM)
        return out


class SyncBatchNorm(_BatchNorm):
    """Batch normalization of ``(N, C, *)`` input with statistics shared by all ranks.

    Example:
        >>> model = nn.SyncBatchNorm.convert_sync_batchnorm(model)   # before DDP
    """

    _ranks = (2, 3, 4, 5)

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = True,
        track_running_stats: bool = True,
        process_group: Any = None,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        if process_group is not None:
            raise NotImplementedError("only the default process group: pass process_group=None")
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device, dtype)
        self.process_group = process_group

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        synced = self.training and collectives.is_initialized() and collectives.get_world_size() > 1
        if not synced:
            return super().forward(input)
        self._check_input(input)
        dims = (0, *range(2, input.dim()))
        shape = (1, self.num_features) + (1,) * (input.dim() - 2)
        count = np.array([input.numel() // self.num_features], dtype=np.int64)
        collectives.communicator().allreduce(count, ReduceOp.SUM)
        n = int(count[0])
        mean = _AllReduceSum.apply(input.sum(dim=dims)) / n
        centred = input - mean.reshape(shape)
        var = _AllReduceSum.apply((centred * centred).sum(dim=dims)) / n
        out = centred / (var + self.eps).sqrt().reshape(shape)
        if self.weight is not None:
            out = out * self.weight.reshape(shape)
        if self.bias is not None:
            out = out + self.bias.reshape(shape)
        if self.track_running_stats:
            self._update_running(mean.detach(), var.detach(), n)
        return out

    def _update_running(self, mean: Tensor, var: Tensor, n: int) -> None:
        self.num_batches_tracked._data += 1
        self.num_batches_tracked._vc[0] += 1
        if self.momentum is None:  # cumulative moving average
            factor = 1.0 / float(self.num_batches_tracked._data)
        else:
            factor = self.momentum
        unbiased = var * (n / max(n - 1, 1))
        with no_grad():
            self.running_mean.mul_(1 - factor).add_(mean * factor)
            self.running_var.mul_(1 - factor).add_(unbiased * factor)

    @classmethod
    def convert_sync_batchnorm(cls, module: Module, process_group: Any = None) -> Module:
        """Replace every BatchNorm*D in ``module`` by a SyncBatchNorm with its state."""
        if isinstance(module, _BatchNorm) and not isinstance(module, SyncBatchNorm):
            converted = cls(
                module.num_features,
                module.eps,
                module.momentum,
                module.affine,
                module.track_running_stats,
                process_group,
            )
            if module.affine:
                with no_grad():
                    converted.weight = module.weight
                    converted.bias = module.bias
            converted.running_mean = module.running_mean
            converted.running_var = module.running_var
            converted.num_batches_tracked = module.num_batches_tracked
            converted.train(module.training)
            return converted
        for name, child in list(module.named_children()):
            setattr(module, name, cls.convert_sync_batchnorm(child, process_group))
        return module
