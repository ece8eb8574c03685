"""Stochastic gradient descent with momentum, dampening, weight decay and Nesterov."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np

from nettrain.backend import Array, get_array_module
from nettrain.optim._chunked import run_chunked
from nettrain.optim.optimizer import Optimizer, ParamsT, effective_grad
from nettrain.tensor import Tensor


class SGD(Optimizer):
    """SGD, as ``torch.optim.SGD`` (momentum buffer starts as the first gradient).

    Args:
        params: tensors or parameter-group dicts.
        lr: learning rate.
        momentum: momentum factor (0 disables the buffer).
        dampening: dampening of the gradient added to the momentum buffer.
        weight_decay: L2 penalty added to the gradient.
        nesterov: use Nesterov momentum (needs momentum > 0 and dampening == 0).
        maximize: ascend the objective instead of descending it.
        foreach, differentiable, fused: accepted for PyTorch compatibility; ignored.

    Example:
        >>> opt = SGD(model.parameters(), lr=0.1, momentum=0.9)
        >>> loss.backward(); opt.step(); opt.zero_grad()
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-3,
        momentum: float = 0,
        dampening: float = 0,
        weight_decay: float = 0,
        nesterov: bool = False,
        *,
        maximize: bool = False,
        foreach: bool | None = None,
        differentiable: bool = False,
        fused: bool | None = None,
    ) -> None:
        if lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        defaults = {
            "lr": lr,
            "momentum": momentum,
            "dampening": dampening,
            "weight_decay": weight_decay,
            "nesterov": nesterov,
            "maximize": maximize,
            "foreach": foreach,
            "differentiable": differentiable,
            "fused": fused,
        }
        super().__init__(params, defaults)

    def _update_group(self, group: dict[str, Any]) -> None:
        params, grads = self._params_with_grad(group)
        if not params:
            return
        momentum = float(group["momentum"])
        buffers: list[Array | None] = []
        for p in params:
            buf = self.state[p].get("momentum_buffer") if momentum != 0 else None
            buffers.append(None if buf is None else buf._data)
        new_buffers = sgd(
            [p._data for p in params],
            grads,
            buffers,
            lr=float(group["lr"]),
            weight_decay=float(group["weight_decay"]),
            momentum=momentum,
            dampening=float(group["dampening"]),
            nesterov=bool(group["nesterov"]),
            maximize=bool(group["maximize"]),
        )
        for p, buf in zip(params, new_buffers):
            p._vc[0] += 1
            if buf is None:
                continue
            old = self.state[p].get("momentum_buffer")
            if old is None or old._data is not buf:
                self.state[p]["momentum_buffer"] = Tensor._make(buf)


def sgd(
    params: list[Array],
    grads: list[Array],
    momentum_buffers: list[Array | None],
    *,
    lr: float,
    weight_decay: float,
    momentum: float,
    dampening: float,
    nesterov: bool,
    maximize: bool,
    threads: int | None = None,
) -> list[Array | None]:
    """One SGD step in place over arrays; returns the momentum buffers (new ones created).

    The elementwise work runs chunk by chunk, on several threads for large numpy
    parameters (``optim._chunked``); ``threads`` overrides the default count, with
    identical results.
    """
    if not params:
        return []
    options = _SGDOptions(lr, weight_decay, momentum, dampening, nesterov, maximize)
    out: list[Array | None] = []
    arrays, scalars = [], []
    for param, grad, buf in zip(params, grads, momentum_buffers):
        first = momentum != 0 and buf is None
        if first:  # PyTorch: the first buffer is the (effective) gradient itself
            buf = get_array_module(param).empty_like(grad)
        out.append(buf)
        arrays.append((param, grad) if momentum == 0 else (param, grad, buf))
        scalars.append((first,))
    run_chunked(functools.partial(_sgd_kernel, options), arrays, scalars, work=2, threads=threads)
    return out


class _SGDOptions(NamedTuple):
    lr: float
    weight_decay: float
    momentum: float
    dampening: float
    nesterov: bool
    maximize: bool


def _sgd_kernel(
    options: _SGDOptions, arrays: Sequence[Array], scratch: Sequence[Array], scalars: Sequence[Any]
) -> None:
    """The update of one chunk of one parameter (``param`` and its buffer in place)."""
    param, grad = arrays[:2]
    tmp, tmp2 = scratch
    (first,) = scalars
    xp = np if type(param) is np.ndarray else get_array_module(param)
    d_p = effective_grad(xp, param, grad, options.weight_decay, options.maximize, tmp, tmp2)
    momentum = options.momentum
    if momentum != 0:
        buf = arrays[2]
        if first:
            xp.copyto(buf, d_p)
        else:
            buf *= momentum
            if options.dampening != 0:
                xp.multiply(d_p, 1.0 - options.dampening, out=tmp2)
                buf += tmp2
            else:
                buf += d_p
        if options.nesterov:
            xp.multiply(buf, momentum, out=tmp2)
            xp.add(d_p, tmp2, out=tmp)
            d_p = tmp
        else:
            d_p = buf
    xp.multiply(d_p, -options.lr, out=tmp2)
    param += tmp2
