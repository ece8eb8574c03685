"""Adam (with AMSGrad and optional decoupled weight decay), as ``torch.optim.Adam``."""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np

from nettrain.backend import Array, get_array_module
from nettrain.optim._chunked import run_chunked
from nettrain.optim.optimizer import (
    Optimizer,
    ParamsT,
    check_hyperparameters,
    effective_grad,
    lerp_,
)


class Adam(Optimizer):
    """Adam: per-parameter step sizes from running moments of the gradient.

    Args:
        params: tensors or parameter-group dicts.
        lr: learning rate.
        betas: decay rates of the first and second moment estimates.
        eps: added to the denominator for numerical stability.
        weight_decay: L2 penalty (added to the gradient, or decoupled as in AdamW).
        amsgrad: use the running maximum of the second moment (AMSGrad).
        maximize: ascend the objective instead of descending it.
        decoupled_weight_decay: shrink the parameters directly (AdamW) instead of the gradient.
        foreach, capturable, differentiable, fused: accepted for PyTorch compatibility; ignored.

    Example:
        >>> opt = Adam(model.parameters(), lr=1e-3)
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        amsgrad: bool = False,
        *,
        foreach: bool | None = None,
        maximize: bool = False,
        capturable: bool = False,
        differentiable: bool = False,
        fused: bool | None = None,
        decoupled_weight_decay: bool = False,
    ) -> None:
        check_hyperparameters(lr=lr, eps=eps, betas=betas, weight_decay=weight_decay)
        defaults = {
            "lr": lr,
            "betas": betas,
            "eps": eps,
            "weight_decay": weight_decay,
            "amsgrad": amsgrad,
            "maximize": maximize,
            "foreach": foreach,
            "capturable": capturable,
            "differentiable": differentiable,
            "fused": fused,
            "decoupled_weight_decay": decoupled_weight_decay,
        }
        super().__init__(params, defaults)

    def _update_group(self, group: dict[str, Any]) -> None:
        params, grads = self._params_with_grad(group)
        if not params:
            return
        amsgrad = bool(group["amsgrad"])
        states = []
        for p in params:
            state = self.state[p]
            if len(state) == 0:
                state["step"] = self._step_state()
                state["exp_avg"] = self._zeros_state(p)
                state["exp_avg_sq"] = self._zeros_state(p)
                if amsgrad:
                    state["max_exp_avg_sq"] = self._zeros_state(p)
            states.append(state)
        beta1, beta2 = group["betas"]
        datas = [p._data for p in params]
        adam(
            datas,
            grads,
            [s["exp_avg"]._data for s in states],
            [s["exp_avg_sq"]._data for s in states],
            [s["max_exp_avg_sq"]._data for s in states] if amsgrad else [],
            [s["step"]._data for s in states],
            amsgrad=amsgrad,
            beta1=float(beta1),
            beta2=float(beta2),
            lr=float(group["lr"]),
            weight_decay=float(group["weight_decay"]),
            eps=float(group["eps"]),
            maximize=bool(group["maximize"]),
            decoupled_weight_decay=bool(group["decoupled_weight_decay"]),
        )
        for p in params:
            p._vc[0] += 1


def adam(
    params: list[Array],
    grads: list[Array],
    exp_avgs: list[Array],
    exp_avg_sqs: list[Array],
    max_exp_avg_sqs: list[Array],
    steps: list[Array],
    *,
    amsgrad: bool,
    beta1: float,
    beta2: float,
    lr: float,
    weight_decay: float,
    eps: float,
    maximize: bool,
    decoupled_weight_decay: bool = False,
    threads: int | None = None,
) -> None:
    """One Adam step in place over arrays, with PyTorch's operation order.

    ``steps`` are float32 0-d arrays (incremented here). The elementwise work runs chunk
    by chunk, on several threads for large numpy parameters (``optim._chunked``);
    ``threads`` overrides the default count, with identical results.
    """
    arrays = []
    scalars = []
    for i, param in enumerate(params):
        steps[i] += 1
        step = float(steps[i])
        arrays.append(
            (param, grads[i], exp_avgs[i], exp_avg_sqs[i])
            + ((max_exp_avg_sqs[i],) if amsgrad else ())
        )
        # PyTorch's p -= lr/bc1 * m / (sqrt(v)/sqrt(bc2) + eps), with both sides of the
        # fraction times sqrt(bc2): one pass fewer, the same value up to rounding
        bias_correction2_sqrt = math.sqrt(1.0 - beta2**step)
        step_size = lr / (1.0 - beta1**step) * bias_correction2_sqrt
        scalars.append((-step_size, eps * bias_correction2_sqrt))
    options = _AdamOptions(
        amsgrad, beta1, beta2, lr, weight_decay, maximize, decoupled_weight_decay
    )
    run_chunked(functools.partial(_adam_kernel, options), arrays, scalars, work=3, threads=threads)


class _AdamOptions(NamedTuple):
    amsgrad: bool
    beta1: float
    beta2: float
    lr: float
    weight_decay: float
    maximize: bool
    decoupled_weight_decay: bool


def _adam_kernel(
    options: _AdamOptions,
    arrays: Sequence[Array],
    scratch: Sequence[Array],
    scalars: Sequence[float],
) -> None:
    """The update of one chunk of one parameter (``param`` and the moments in place)."""
    param, grad, exp_avg, exp_avg_sq = arrays[:4]
    t_grad, t1, t2 = scratch
    neg_step_size, scaled_eps = scalars
    xp = np if type(param) is np.ndarray else get_array_module(param)
    if options.decoupled_weight_decay:
        if options.weight_decay:
            param *= 1.0 - options.lr * options.weight_decay
        grad = effective_grad(xp, param, grad, 0.0, options.maximize, t_grad, t1)
    else:
        grad = effective_grad(xp, param, grad, options.weight_decay, options.maximize, t_grad, t1)
    lerp_(xp, exp_avg, grad, 1.0 - options.beta1, t1)
    exp_avg_sq *= options.beta2
    xp.multiply(grad, 1.0 - options.beta2, out=t1)
    t1 *= grad
    exp_avg_sq += t1
    if options.amsgrad:
        max_exp_avg_sq = arrays[4]
        xp.maximum(max_exp_avg_sq, exp_avg_sq, out=max_exp_avg_sq)
        xp.sqrt(max_exp_avg_sq, out=t1)
    else:
        xp.sqrt(exp_avg_sq, out=t1)
    t1 += scaled_eps
    xp.multiply(exp_avg, neg_step_size, out=t2)
    t2 /= t1
    param += t2
