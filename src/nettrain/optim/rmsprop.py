"""RMSprop (optionally centered, with momentum), as ``torch.optim.RMSprop``."""

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


class RMSprop(Optimizer):
    """RMSprop: divide the gradient by a running RMS of recent gradients.

    Args:
        params: tensors or parameter-group dicts.
        lr: learning rate.
        alpha: smoothing constant of the squared-gradient average.
        eps: added to the denominator for numerical stability.
        weight_decay: L2 penalty added to the gradient.
        momentum: momentum factor (0 disables the buffer).
        centered: normalise by the gradient's estimated variance instead of its second moment.
        maximize: ascend the objective instead of descending it.
        capturable, foreach, differentiable: accepted for PyTorch compatibility; ignored.

    Example:
        >>> opt = RMSprop(model.parameters(), lr=1e-2, momentum=0.9, centered=True)
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0,
        momentum: float = 0,
        centered: bool = False,
        capturable: bool = False,
        foreach: bool | None = None,
        maximize: bool = False,
        differentiable: bool = False,
    ) -> None:
        check_hyperparameters(
            lr=lr, eps=eps, momentum=momentum, weight_decay=weight_decay, alpha=alpha
        )
        defaults = {
            "lr": lr,
            "momentum": momentum,
            "alpha": alpha,
            "eps": eps,
            "centered": centered,
            "weight_decay": weight_decay,
            "capturable": capturable,
            "foreach": foreach,
            "maximize": maximize,
            "differentiable": differentiable,
        }
        super().__init__(params, defaults)

    def _update_group(self, group: dict[str, Any]) -> None:
        params, grads = self._params_with_grad(group)
        if not params:
            return
        momentum, centered = float(group["momentum"]), bool(group["centered"])
        states = []
        for p in params:
            state = self.state[p]
            if len(state) == 0:
                state["step"] = self._step_state()
                state["square_avg"] = self._zeros_state(p)
                if momentum > 0:
                    state["momentum_buffer"] = self._zeros_state(p)
                if centered:
                    state["grad_avg"] = self._zeros_state(p)
            states.append(state)
        datas = [p._data for p in params]
        rmsprop(
            datas,
            grads,
            [s["square_avg"]._data for s in states],
            [s["grad_avg"]._data for s in states] if centered else [],
            [s["momentum_buffer"]._data for s in states] if momentum > 0 else [],
            [s["step"]._data for s in states],
            [[self._scratch(d, k) for k in range(3)] for d in datas],
            lr=float(group["lr"]),
            alpha=float(group["alpha"]),
            eps=float(group["eps"]),
            weight_decay=float(group["weight_decay"]),
            momentum=momentum,
            centered=centered,
            maximize=bool(group["maximize"]),
        )
        for p in params:
            p._vc[0] += 1


def rmsprop(
    params: list[Array],
    grads: list[Array],
    square_avgs: list[Array],
    grad_avgs: list[Array],
    momentum_buffers: list[Array],
    steps: list[Array],
    scratch: list[list[Array]],
    *,
    lr: float,
    alpha: float,
    eps: float,
    weight_decay: float,
    momentum: float,
    centered: bool,
    maximize: bool,
) -> None:
    """One RMSprop step in place over arrays, with PyTorch's operation order."""
    if not params:
        return
    xp = get_array_module(params[0])
    for i, param in enumerate(params):
        t_grad, t1, avg = scratch[i]
        steps[i] += 1
        grad = effective_grad(xp, param, grads[i], weight_decay, maximize, t_grad, t1)
        square_avg = square_avgs[i]
        square_avg *= alpha
        xp.multiply(grad, 1.0 - alpha, out=t1)
        t1 *= grad
        square_avg += t1
        if centered:
            grad_avg = grad_avgs[i]
            lerp_(xp, grad_avg, grad, 1.0 - alpha, t1)
            xp.multiply(grad_avg, -1.0, out=t1)
            t1 *= grad_avg
            xp.add(square_avg, t1, out=avg)
            xp.sqrt(avg, out=avg)
        else:
            xp.sqrt(square_avg, out=avg)
        avg += eps
        if momentum > 0:
            buf = momentum_buffers[i]
            buf *= momentum
            xp.divide(grad, avg, out=t1)
            buf += t1
            xp.multiply(buf, -lr, out=t1)
            param += t1
        else:
            xp.multiply(grad, -lr, out=t1)
            t1 /= avg
            param += t1
