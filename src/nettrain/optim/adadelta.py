"""Adadelta, as ``torch.optim.Adadelta``."""

from __future__ import annotations

from typing import Any

from nettrain.backend import Array, get_array_module
from nettrain.optim.optimizer import Optimizer, ParamsT, effective_grad


class Adadelta(Optimizer):
    """Adadelta: step sizes from running averages of squared gradients and squared updates.

    The ratio of the two averages gives each parameter a step in its own units, so ``lr``
    (default 1.0) is only a scale on top.

    Args:
        params: tensors or parameter-group dicts.
        lr: coefficient that scales the delta before it is applied.
        rho: decay rate of both running averages.
        eps: added inside both square roots for numerical stability.
        weight_decay: L2 penalty added to the gradient.
        maximize: ascend the objective instead of descending it.
        foreach, capturable, differentiable: accepted for PyTorch compatibility; ignored.

    Example:
        >>> opt = Adadelta(model.parameters(), lr=1.0, rho=0.9)
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1.0,
        rho: float = 0.9,
        eps: float = 1e-6,
        weight_decay: float = 0,
        foreach: bool | None = None,
        *,
        capturable: bool = False,
        maximize: bool = False,
        differentiable: bool = False,
    ) -> None:
        if not lr >= 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Invalid rho value: {rho}")
        if not eps >= 0.0:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not weight_decay >= 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = {
            "lr": lr,
            "rho": rho,
            "eps": eps,
            "weight_decay": weight_decay,
            "maximize": maximize,
            "capturable": capturable,
            "foreach": foreach,
            "differentiable": differentiable,
        }
        super().__init__(params, defaults)

    def _update_group(self, group: dict[str, Any]) -> None:
        params, grads = self._params_with_grad(group)
        if not params:
            return
        states = []
        for p in params:
            state = self.state[p]
            if len(state) == 0:
                state["step"] = self._step_state()
                state["square_avg"] = self._zeros_state(p)
                state["acc_delta"] = self._zeros_state(p)
            states.append(state)
        datas = [p._data for p in params]
        adadelta(
            datas,
            grads,
            [s["square_avg"]._data for s in states],
            [s["acc_delta"]._data for s in states],
            [s["step"]._data for s in states],
            [[self._scratch(d, k) for k in range(3)] for d in datas],
            lr=float(group["lr"]),
            rho=float(group["rho"]),
            eps=float(group["eps"]),
            weight_decay=float(group["weight_decay"]),
            maximize=bool(group["maximize"]),
        )
        for p in params:
            p._vc[0] += 1


def adadelta(
    params: list[Array],
    grads: list[Array],
    square_avgs: list[Array],
    acc_deltas: list[Array],
    steps: list[Array],
    scratch: list[list[Array]],
    *,
    lr: float,
    rho: float,
    eps: float,
    weight_decay: float,
    maximize: bool,
) -> None:
    """One Adadelta step in place over arrays, with PyTorch's operation order.

    ``scratch[i]`` holds three work arrays shaped like ``params[i]``.
    """
    if not params:
        return
    xp = get_array_module(params[0])
    for i, param in enumerate(params):
        square_avg, acc_delta = square_avgs[i], acc_deltas[i]
        t_grad, std, delta = scratch[i]
        steps[i] += 1
        grad = effective_grad(xp, param, grads[i], weight_decay, maximize, t_grad, std)
        square_avg *= rho
        xp.multiply(grad, 1.0 - rho, out=std)
        std *= grad
        square_avg += std
        xp.add(square_avg, eps, out=std)
        xp.sqrt(std, out=std)
        xp.add(acc_delta, eps, out=delta)
        xp.sqrt(delta, out=delta)
        delta /= std
        delta *= grad
        acc_delta *= rho
        xp.multiply(delta, 1.0 - rho, out=std)
        std *= delta
        acc_delta += std
        delta *= -lr
        param += delta
