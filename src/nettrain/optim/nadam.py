"""NAdam (Adam with Nesterov momentum), as ``torch.optim.NAdam``."""

from __future__ import annotations

from typing import Any

import numpy as np

from nettrain.backend import Array, get_array_module
from nettrain.optim.optimizer import (
    Optimizer,
    ParamsT,
    check_hyperparameters,
    effective_grad,
    lerp_,
)
from nettrain.tensor import Tensor


class NAdam(Optimizer):
    """NAdam: Adam whose step looks ahead along the momentum (Nesterov), with a momentum
    schedule ``mu_t = beta1 * (1 - 0.5 * 0.96 ** (t * momentum_decay))``.

    Args:
        params: tensors or parameter-group dicts.
        lr: learning rate.
        betas: decay rates of the first and second moment estimates.
        eps: added to the denominator for numerical stability.
        weight_decay: L2 penalty (added to the gradient, or decoupled as in AdamW).
        momentum_decay: rate of the momentum schedule.
        decoupled_weight_decay: shrink the parameters directly instead of the gradient.
        maximize: ascend the objective instead of descending it.
        foreach, capturable, differentiable: accepted for PyTorch compatibility; ignored.

    Example:
        >>> opt = NAdam(model.parameters(), lr=2e-3)
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 2e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        momentum_decay: float = 4e-3,
        decoupled_weight_decay: bool = False,
        *,
        foreach: bool | None = None,
        maximize: bool = False,
        capturable: bool = False,
        differentiable: bool = False,
    ) -> None:
        check_hyperparameters(
            lr=lr, eps=eps, betas=betas, weight_decay=weight_decay, momentum_decay=momentum_decay
        )
        defaults = {
            "lr": lr,
            "betas": betas,
            "eps": eps,
            "weight_decay": weight_decay,
            "momentum_decay": momentum_decay,
            "decoupled_weight_decay": decoupled_weight_decay,
            "maximize": maximize,
            "foreach": foreach,
            "capturable": capturable,
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
                # PyTorch keeps the running product of the mu's as a float32 CPU scalar,
                # rounded each step; keeping it the same way keeps trajectories identical
                state["mu_product"] = Tensor._make(np.ones((), dtype=np.float32))
                state["exp_avg"] = self._zeros_state(p)
                state["exp_avg_sq"] = self._zeros_state(p)
            states.append(state)
        beta1, beta2 = group["betas"]
        datas = [p._data for p in params]
        nadam(
            datas,
            grads,
            [s["exp_avg"]._data for s in states],
            [s["exp_avg_sq"]._data for s in states],
            [s["mu_product"]._data for s in states],
            [s["step"]._data for s in states],
            [[self._scratch(d, k) for k in range(3)] for d in datas],
            beta1=float(beta1),
            beta2=float(beta2),
            lr=float(group["lr"]),
            weight_decay=float(group["weight_decay"]),
            momentum_decay=float(group["momentum_decay"]),
            eps=float(group["eps"]),
            decoupled_weight_decay=bool(group["decoupled_weight_decay"]),
            maximize=bool(group["maximize"]),
        )
        for p in params:
            p._vc[0] += 1


def nadam(
    params: list[Array],
    grads: list[Array],
    exp_avgs: list[Array],
    exp_avg_sqs: list[Array],
    mu_products: list[Array],
    steps: list[Array],
    scratch: list[list[Array]],
    *,
    beta1: float,
    beta2: float,
    lr: float,
    weight_decay: float,
    momentum_decay: float,
    eps: float,
    decoupled_weight_decay: bool,
    maximize: bool,
) -> None:
    """One NAdam step in place over arrays, with PyTorch's operation order.

    ``mu_products`` and ``steps`` are float32 0-d CPU arrays, updated here.
    """
    if not params:
        return
    xp = get_array_module(params[0])
    for i, param in enumerate(params):
        exp_avg, exp_avg_sq = exp_avgs[i], exp_avg_sqs[i]
        t_grad, t1, denom = scratch[i]
        steps[i] += 1
        step = float(steps[i])
        bias_correction2 = 1.0 - beta2**step
        if decoupled_weight_decay:
            if weight_decay:
                param *= 1.0 - lr * weight_decay
            grad = effective_grad(xp, param, grads[i], 0.0, maximize, t_grad, t1)
        else:
            grad = effective_grad(xp, param, grads[i], weight_decay, maximize, t_grad, t1)
        mu = beta1 * (1.0 - 0.5 * (0.96 ** (step * momentum_decay)))
        mu_next = beta1 * (1.0 - 0.5 * (0.96 ** ((step + 1) * momentum_decay)))
        mu_products[i] *= mu
        mu_product = float(mu_products[i])
        mu_product_next = mu_product * mu_next
        lerp_(xp, exp_avg, grad, 1.0 - beta1, t1)
        exp_avg_sq *= beta2
        xp.multiply(grad, 1.0 - beta2, out=t1)
        t1 *= grad
        exp_avg_sq += t1
        xp.divide(exp_avg_sq, bias_correction2, out=denom)
        xp.sqrt(denom, out=denom)
        denom += eps
        xp.divide(grad, denom, out=t1)
        t1 *= -lr * (1.0 - mu) / (1.0 - mu_product)
        param += t1
        xp.divide(exp_avg, denom, out=t1)
        t1 *= (-lr * mu_next) / (1.0 - mu_product_next)
        param += t1
