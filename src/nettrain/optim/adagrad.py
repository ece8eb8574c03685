"""Adagrad, as ``torch.optim.Adagrad``."""

from __future__ import annotations

from typing import Any

from nettrain.backend import Array, get_array_module
from nettrain.optim.optimizer import Optimizer, ParamsT, check_hyperparameters, effective_grad


class Adagrad(Optimizer):
    """Adagrad: step sizes shrink with each parameter's accumulated squared gradient.

    State is created for every parameter at construction, as in PyTorch.

    Args:
        params: tensors or parameter-group dicts.
        lr: learning rate.
        lr_decay: the step size is ``lr / (1 + (step - 1) * lr_decay)``.
        weight_decay: L2 penalty added to the gradient.
        initial_accumulator_value: starting value of the squared-gradient sum.
        eps: added to the denominator for numerical stability.
        maximize: ascend the objective instead of descending it.
        foreach, differentiable, fused: accepted for PyTorch compatibility; ignored.

    Example:
        >>> opt = Adagrad(model.parameters(), lr=0.1)
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-2,
        lr_decay: float = 0,
        weight_decay: float = 0,
        initial_accumulator_value: float = 0,
        eps: float = 1e-10,
        foreach: bool | None = None,
        *,
        maximize: bool = False,
        differentiable: bool = False,
        fused: bool | None = None,
    ) -> None:
        check_hyperparameters(
            lr=lr,
            lr_decay=lr_decay,
            weight_decay=weight_decay,
            initial_accumulator_value=initial_accumulator_value,
            eps=eps,
        )
        defaults = {
            "lr": lr,
            "lr_decay": lr_decay,
            "eps": eps,
            "weight_decay": weight_decay,
            "initial_accumulator_value": initial_accumulator_value,
            "foreach": foreach,
            "maximize": maximize,
            "differentiable": differentiable,
            "fused": fused,
        }
        super().__init__(params, defaults)
        for group in self.param_groups:
            for p in group["params"]:
                state = self.state[p]
                state["step"] = self._step_state()
                state["sum"] = self._zeros_state(p, float(group["initial_accumulator_value"]))

    def _update_group(self, group: dict[str, Any]) -> None:
        params, grads = self._params_with_grad(group)
        if not params:
            return
        for p in params:
            if not self.state[p]:  # added by add_param_group: initialised lazily, as PyTorch
                self.state[p]["step"] = self._step_state()
                # PyTorch takes the defaults' value here, not the group's
                initial = float(self.defaults["initial_accumulator_value"])
                self.state[p]["sum"] = self._zeros_state(p, initial)
        states = [self.state[p] for p in params]
        datas = [p._data for p in params]
        adagrad(
            datas,
            grads,
            [s["sum"]._data for s in states],
            [s["step"]._data for s in states],
            [[self._scratch(d, k) for k in range(3)] for d in datas],
            lr=float(group["lr"]),
            lr_decay=float(group["lr_decay"]),
            weight_decay=float(group["weight_decay"]),
            eps=float(group["eps"]),
            maximize=bool(group["maximize"]),
        )
        for p in params:
            p._vc[0] += 1


def adagrad(
    params: list[Array],
    grads: list[Array],
    state_sums: list[Array],
    steps: list[Array],
    scratch: list[list[Array]],
    *,
    lr: float,
    lr_decay: float,
    weight_decay: float,
    eps: float,
    maximize: bool,
) -> None:
    """One Adagrad step in place over arrays, with PyTorch's operation order."""
    if not params:
        return
    xp = get_array_module(params[0])
    for i, param in enumerate(params):
        t_grad, t1, std = scratch[i]
        steps[i] += 1
        step = float(steps[i])
        grad = effective_grad(xp, param, grads[i], weight_decay, maximize, t_grad, t1)
        clr = lr / (1 + (step - 1) * lr_decay)
        xp.multiply(grad, grad, out=t1)
        state_sums[i] += t1
        xp.sqrt(state_sums[i], out=std)
        std += eps
        xp.multiply(grad, -clr, out=t1)
        t1 /= std
        param += t1
