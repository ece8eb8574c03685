"""A nettrain optimizer and its PyTorch twin on a small tanh MLP, through every phase that
can go wrong: a group added midway (``add_param_group``), a ``state_dict`` round trip through
PyTorch's own state (loaded into a fresh optimizer), and many steps after.

Gradients are PyTorch's, copied to nettrain each step, so the comparison isolates the
optimizer's arithmetic; in float64 the two agree to round-off (~1e-10 relative).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

import nettrain as nt


def mlp_problem(dtype: Any, seed: int = 0) -> tuple[np.ndarray, np.ndarray, list[np.ndarray]]:
    """Inputs, targets and initial (W1, b1, W2, b2) of a 4-8-3 tanh MLP regression."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((16, 4)).astype(dtype)
    y = rng.standard_normal((16, 3)).astype(dtype)
    shapes = [(4, 8), (8,), (8, 3), (3,)]
    init = [(rng.standard_normal(s) * 0.5).astype(dtype) for s in shapes]
    return x, y, init


def mlp_loss(params: list[Any], x: Any, y: Any) -> Any:
    """The same expression works on torch and nettrain tensors."""
    w1, b1, w2, b2 = params
    return (((x @ w1 + b1).tanh() @ w2 + b2) - y).pow(2).mean()


def _to_nt(value: Any, torch: Any) -> Any:
    """PyTorch state (tensors, lists of them, numbers) as nettrain values."""
    if isinstance(value, torch.Tensor):
        return nt.tensor(value.detach().numpy().copy())
    if isinstance(value, dict):
        return {k: _to_nt(v, torch) for k, v in value.items()}
    if isinstance(value, list):
        return [_to_nt(v, torch) for v in value]
    return value


def run_trajectory(
    torch: Any,
    nt_cls: type,
    kwargs: dict[str, Any],
    dtype: Any = np.float64,
    steps: int = 50,
    second_group: dict[str, Any] | None = None,
    closure_step: bool = False,
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Run both optimizers; return (nettrain params, torch params) as arrays.

    Steps 0-9 update the first layer only; at step 10 the second layer joins as a new group
    (with ``second_group``'s overrides); at step ``steps // 2`` both sides rebuild their
    optimizer and load PyTorch's state_dict (nettrain's from a converted copy), so the
    format and every state value must carry over.
    """
    torch_dtype = {np.float64: torch.float64, np.float32: torch.float32}[dtype]
    x, y, init = mlp_problem(dtype)
    tp = [torch.tensor(a, dtype=torch_dtype, requires_grad=True) for a in init]
    npp = [nt.tensor(a).requires_grad_() for a in init]
    tx, ty = torch.tensor(x), torch.tensor(y)
    extra = dict(second_group or {})
    torch_cls = getattr(torch.optim, nt_cls.__name__)

    def build(groups: int) -> tuple[Any, Any]:
        t_opt = torch_cls(tp[:2], **kwargs)
        n_opt = nt_cls(npp[:2], **kwargs)
        if groups == 2:
            t_opt.add_param_group({"params": tp[2:], **extra})
            n_opt.add_param_group({"params": npp[2:], **extra})
        return t_opt, n_opt

    def copy_grads() -> None:
        for t, n in zip(tp, npp):
            n.grad = nt.tensor(t.grad.numpy().copy())

    t_opt, n_opt = build(1)
    for i in range(steps):
        if i == 10:
            t_opt.add_param_group({"params": tp[2:], **extra})
            n_opt.add_param_group({"params": npp[2:], **extra})
        if i == steps // 2:
            saved = t_opt.state_dict()
            t_opt, n_opt = build(2)
            t_opt.load_state_dict(saved)
            n_opt.load_state_dict(_to_nt(saved, torch))
        if closure_step:
            _closure_steps(t_opt, n_opt, tp, npp, tx, ty, copy_grads)
            continue
        t_opt.zero_grad()
        mlp_loss(tp, tx, ty).backward()
        copy_grads()
        t_opt.step()
        n_opt.step()
    return [p.detach().numpy() for p in npp], [p.detach().numpy() for p in tp]


def _closure_steps(
    t_opt: Any,
    n_opt: Any,
    tp: list[Any],
    npp: list[Any],
    tx: Any,
    ty: Any,
    copy_grads: Callable[[], None],
) -> None:
    """One closure step on each side; nettrain's closure differentiates with nettrain."""
    nx, ny = nt.tensor(tx.numpy()), nt.tensor(ty.numpy())

    def t_closure() -> Any:
        t_opt.zero_grad()
        loss = mlp_loss(tp, tx, ty)
        loss.backward()
        return loss

    def n_closure() -> Any:
        n_opt.zero_grad()
        loss = mlp_loss(npp, nx, ny)
        loss.backward()
        return loss

    t_opt.step(t_closure)
    n_opt.step(n_closure)


def assert_trajectories_close(
    result: tuple[list[np.ndarray], list[np.ndarray]], rtol: float, atol: float = 0.0
) -> None:
    ours, theirs = result
    for n, t in zip(ours, theirs):
        assert n.dtype == t.dtype
        np.testing.assert_allclose(n, t, rtol=rtol, atol=atol)
    start = mlp_problem(ours[0].dtype.type)[2]
    assert all(not np.allclose(n, s) for n, s in zip(ours, start)), "a parameter did not move"
