"""Adamax (Adam with an infinity-norm second moment), as ``torch.optim.Adamax``."""

from __future__ import annotations

from typing import Any

from nettrain.backend import Array, get_array_module
from nettrain.optim.optimizer import (
    Optimizer,
    ParamsT,
    check_hyperparameters,
    effective_grad,
    lerp_,
)


class Adamax(Optimizer):
    """Adamax: Adam whose denominator is a decaying maximum of ``|grad|`` instead of an RMS.

    The maximum needs no bias correction and is less sensitive to rare large gradients.

    Args:
        params: tensors or parameter-group dicts.
        lr: learning rate.
        betas: decay rates of the first moment and of the infinity norm.
        eps: added to ``|grad|`` for numerical stability.
        weight_decay: L2 penalty added to the gradient.
        maximize: ascend the objective instead of descending it.
        foreach, capturable, differentiable: accepted for PyTorch compatibility; ignored.

    Example:
        >>> opt = Adamax(model.parameters(), lr=2e-3)
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 2e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        foreach: bool | None = None,
        *,
        maximize: bool = False,
        differentiable: bool = False,
        capturable: bool = False,
    ) -> None:
        check_hyperparameters(lr=lr, eps=eps, betas=betas, weight_decay=weight_decay)
        defaults = {
            "lr": lr,
            "betas": betas,
            "eps": eps,
            "weight_decay": weight_decay,
            "foreach": foreach,
            "maximize": maximize,
            "differentiable": differentiable,
            "capturable": capturable,
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
                state["exp_avg"] = self._zeros_state(p)
                state["exp_inf"] = self._zeros_state(p)
            states.append(state)
        beta1, beta2 = group["betas"]
        datas = [p._data for p in params]
        adamax(
            datas,
            grads,
            [s["exp_avg"]._data for s in states],
            [s["exp_inf"]._data for s in states],
            [s["step"]._data for s in states],
            [[self._scratch(d, k) for k in range(3)] for d in datas],
            eps=float(group["eps"]),
            beta1=float(beta1),
            beta2=float(beta2),
            lr=float(group["lr"]),
            weight_decay=float(group["weight_decay"]),
            maximize=bool(group["maximize"]),
        )
        for p in params:
            p._vc[0] += 1


def adamax(
    params: list[Array],
    grads: list[Array],
    exp_avgs: list[Array],
    exp_infs: list[Array],
    steps: list[Array],
    scratch: list[list[Array]],
    *,
    eps: float,
    beta1: float,
    beta2: float,
    lr: float,
    weight_decay: float,
    maximize: bool,
) -> None:
    """One Adamax step in place over arrays, with PyTorch's operation order."""
    if not params:
        return
    xp = get_array_module(params[0])
    for i, param in enumerate(params):
        exp_avg, exp_inf = exp_avgs[i], exp_infs[i]
        t_grad, t1, t2 = scratch[i]
        steps[i] += 1
        step = float(steps[i])
        grad = effective_grad(xp, param, grads[i], weight_decay, maximize, t_grad, t1)
        lerp_(xp, exp_avg, grad, 1.0 - beta1, t1)
        exp_inf *= beta2
        xp.abs(grad, out=t1)
        t1 += eps
        xp.maximum(exp_inf, t1, out=exp_inf)
        clr = lr / (1.0 - beta1**step)
        xp.divide(exp_avg, exp_inf, out=t2)
        t2 *= -clr
        param += t2
