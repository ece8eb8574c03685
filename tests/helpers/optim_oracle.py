"""Shared helpers: run a nettrain optimizer and its PyTorch twin side by side on one problem."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np

import nettrain as nt


def grid(**options: list[Any]) -> list[dict[str, Any]]:
    """Every combination of the given option values, as kwargs dicts."""
    keys = list(options)
    return [dict(zip(keys, values)) for values in itertools.product(*options.values())]


def problem(
    seed: int = 0, dtype: Any = np.float32
) -> tuple[np.ndarray, np.ndarray, list[np.ndarray]]:
    """Inputs, targets and initial (weight, bias) of a small tanh regression."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((8, 5)).astype(dtype)
    y = rng.standard_normal((8, 3)).astype(dtype)
    w = (rng.standard_normal((5, 3)) * 0.5).astype(dtype)
    b = (rng.standard_normal(3) * 0.1).astype(dtype)
    return x, y, [w, b]


def loss_fn(params: list[Any], x: Any, y: Any) -> Any:
    """The same expression works on torch and nettrain tensors."""
    return ((x @ params[0] + params[1]).tanh() - y).pow(2).mean()


def train(opt: Any, params: list[Any], x: Any, y: Any, steps: int) -> None:
    for _ in range(steps):
        opt.zero_grad()
        loss_fn(params, x, y).backward()
        opt.step()


def groups_of(params: list[Any], group_lrs: list[float] | None) -> Any:
    """Plain list, or one group per parameter with its own lr."""
    if group_lrs is None:
        return params
    return [{"params": [p], "lr": lr} for p, lr in zip(params, group_lrs)]


class Pair:
    """A torch and a nettrain copy of the problem, each with its own optimizer."""

    def __init__(
        self,
        torch: Any,
        nt_cls: type,
        kwargs: dict[str, Any],
        group_lrs: list[float] | None = None,
        device: str = "cpu",
        shared_grads: bool = True,
        dtype: Any = np.float32,
    ) -> None:
        x, y, init = problem(dtype=dtype)
        self.init = init
        self.shared_grads = shared_grads
        self.device = device
        self.torch = torch
        self.tp = [torch.tensor(a, requires_grad=True) for a in init]
        self.np_ = [nt.tensor(a, device=device).requires_grad_() for a in init]
        self.tx, self.ty = torch.tensor(x), torch.tensor(y)
        self.nx, self.ny = nt.tensor(x, device=device), nt.tensor(y, device=device)
        torch_cls = getattr(torch.optim, nt_cls.__name__)
        self.topt = torch_cls(groups_of(self.tp, group_lrs), **kwargs)
        self.nopt = nt_cls(groups_of(self.np_, group_lrs), **kwargs)

    def run(self, steps: int) -> None:
        """``steps`` optimizer steps on both sides.

        With ``shared_grads`` nettrain's parameters receive PyTorch's gradients, so only the
        optimizers' arithmetic is compared (sign-like settings such as a small Adam beta2
        otherwise amplify the autograd engines' round-off differences); without it each side
        differentiates its own loss.
        """
        if not self.shared_grads:
            train(self.topt, self.tp, self.tx, self.ty, steps)
            train(self.nopt, self.np_, self.nx, self.ny, steps)
            return
        for _ in range(steps):
            train(self.topt, self.tp, self.tx, self.ty, 1)
            for t, n in zip(self.tp, self.np_):
                n.grad = nt.tensor(t.grad.numpy().copy(), device=self.device)
            self.nopt.step()

    def assert_close(self, rtol: float = 1e-4, atol: float = 1e-5) -> None:
        for t, n in zip(self.tp, self.np_):
            np.testing.assert_allclose(
                n.detach().cpu().numpy(), t.detach().numpy(), rtol=rtol, atol=atol
            )
        assert any(not np.allclose(t.detach().numpy(), a) for t, a in zip(self.tp, self.init)), (
            "parameters did not move"
        )
