"""RAdam (rectified Adam), as ``torch.optim.RAdam``."""

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


class RAdam(Optimizer):
    """RAdam: Adam whose adaptive step is switched on only once the variance of the second
    moment estimate is tractable (``rho_t > 5``), and rectified by it after; before that it
    takes plain bias-corrected momentum steps, which replaces a warmup schedule.

    Args:
        params: tensors or parameter-group dicts.
        lr: learning rate.
        betas: decay rates of the first and second moment estimates.
        eps: added to the denominator for numerical stability.
        weight_decay: L2 penalty (added to the gradient, or decoupled as in AdamW).
        decoupled_weight_decay: shrink the parameters directly instead of the gradient.
        maximize: ascend the objective instead of descending it.
        foreach, capturable, differentiable: accepted for PyTorch compatibility; ignored.

    Example:
        >>> opt = RAdam(model.parameters(), lr=1e-3)
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        decoupled_weight_decay: bool = False,
        *,
        foreach: bool | None = None,
        maximize: bool = False,
        capturable: bool = False,
        differentiable: bool = False,
    ) -> None:
        check_hyperparameters(lr=lr, eps=eps, betas=betas, weight_decay=weight_decay)
        defaults = {
            "lr": lr,
            "betas": betas,
            "eps": eps,
            "weight_decay": weight_decay,
            "maximize": maximize,
            "foreach": foreach,
            "capturable": capturable,
            "decoupled_weight_decay": decoupled_weight_decay,
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
                state["exp_avg"] = self._zeros_state(p)
                state["exp_avg_sq"] = self._zeros_state(p)
            states.append(state)
        beta1, beta2 = group["betas"]
        datas = [p._data for p in params]
        radam(
            datas,
            grads,
            [s["exp_avg"]._data for s in states],
            [s["exp_avg_sq"]._data for s in states],
            [s["step"]._data for s in states],
            [[self._scratch(d, k) for k in range(3)] for d in datas],
            beta1=float(beta1),
            beta2=float(beta2),
            lr=float(group["lr"]),
            weight_decay=float(group["weight_decay"]),
            eps=float(group["eps"]),
            decoupled_weight_decay=bool(group["decoupled_weight_decay"]),
            maximize=bool(group["maximize"]),
        )
        for p in params:
            p._vc[0] += 1


def radam(
    params: list[Array],
    grads: list[Array],
    exp_avgs: list[Array],
    exp_avg_sqs: list[Array],
    steps: list[Array],
    scratch: list[list[Array]],
    *,
    beta1: float,
    beta2: float,
    lr: float,
    weight_decay: float,
    eps: float,
    decoupled_weight_decay: bool,
    maximize: bool,
) -> None:
    """One RAdam step in place over arrays, with PyTorch's operation order."""
    if not params:
        return
    xp = get_array_module(params[0])
    rho_inf = 2 / (1 - beta2) - 1
    for i, param in enumerate(params):
        exp_avg, exp_avg_sq = exp_avgs[i], exp_avg_sqs[i]
        t_grad, t1, update = scratch[i]
        steps[i] += 1
        step = float(steps[i])
        if decoupled_weight_decay:
            if weight_decay:
                param *= 1.0 - lr * weight_decay
            grad = effective_grad(xp, param, grads[i], 0.0, maximize, t_grad, t1)
        else:
            grad = effective_grad(xp, param, grads[i], weight_decay, maximize, t_grad, t1)
        lerp_(xp, exp_avg, grad, 1.0 - beta1, t1)
        exp_avg_sq *= beta2
        xp.multiply(grad, 1.0 - beta2, out=t1)
        t1 *= grad
        exp_avg_sq += t1
        bias_correction1 = 1 - beta1**step
        bias_correction2 = 1 - beta2**step
        xp.divide(exp_avg, bias_correction1, out=update)
        update *= lr
        rho_t = rho_inf - 2 * step * (beta2**step) / bias_correction2
        if rho_t > 5.0:
            # adaptive lr = sqrt(bias_correction2) / (sqrt(exp_avg_sq) + eps)
            xp.sqrt(exp_avg_sq, out=t1)
            t1 += eps
            xp.divide(bias_correction2**0.5, t1, out=t1)
            update *= t1
            rect = (
                (rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)
            ) ** 0.5
            update *= rect
        param -= update
