"""Stochastic gradient descent with momentum, dampening, weight decay and Nesterov."""

from __future__ import annotations

from typing import Any

from nettrain.backend import Array, get_array_module
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
            [self._scratch(p._data, 0) for p in params],
            [self._scratch(p._data, 1) for p in params],
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
    scratch: list[Array],
    scratch2: list[Array],
    *,
    lr: float,
    weight_decay: float,
    momentum: float,
    dampening: float,
    nesterov: bool,
    maximize: bool,
) -> list[Array | None]:
    """One SGD step in place over arrays; returns the momentum buffers (new ones created).

    ``scratch``/``scratch2`` are work arrays shaped like each parameter.
    """
    if not params:
        return []
    xp = get_array_module(params[0])
    out: list[Array | None] = []
    for param, grad, buf, tmp, tmp2 in zip(params, grads, momentum_buffers, scratch, scratch2):
        d_p = effective_grad(xp, param, grad, weight_decay, maximize, tmp, tmp2)
        if momentum != 0:
            if buf is None:
                buf = d_p.copy()
            else:
                buf *= momentum
                if dampening != 0:
                    xp.multiply(d_p, 1.0 - dampening, out=tmp2)
                    buf += tmp2
                else:
                    buf += d_p
            if nesterov:
                xp.multiply(buf, momentum, out=tmp2)
                xp.add(d_p, tmp2, out=tmp)
                d_p = tmp
            else:
                d_p = buf
        xp.multiply(d_p, -lr, out=tmp2)
        param += tmp2
        out.append(buf)
    return out
