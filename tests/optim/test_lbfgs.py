"""LBFGS against PyTorch: the same iterates, evaluation counts and state_dict.

The nettrain closure takes its gradients from PyTorch (evaluated at nettrain's current
parameters), so only the optimizer's arithmetic is compared; L-BFGS on a non-convex MLP
amplifies differences in the gradients themselves by orders of magnitude per step.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import nettrain as nt
from nettrain.optim import LBFGS
from tests.helpers.optim_trajectory import _to_nt, mlp_loss, mlp_problem

torch = pytest.importorskip("torch")

CASES = [
    {},
    {"line_search_fn": "strong_wolfe"},
    {"lr": 0.5, "history_size": 3, "max_iter": 5},
    {"lr": 0.5, "history_size": 3, "max_iter": 5, "line_search_fn": "strong_wolfe"},
    {"max_iter": 7, "max_eval": 9, "line_search_fn": "strong_wolfe"},
]


def _run(kwargs: dict[str, Any], dtype: Any, steps: int) -> tuple[Any, Any, list, list]:
    x, y, init = mlp_problem(dtype)
    tp = [torch.tensor(a, requires_grad=True) for a in init]
    npp = [nt.tensor(a).requires_grad_() for a in init]
    tx, ty = torch.tensor(x), torch.tensor(y)
    t_opt, n_opt = torch.optim.LBFGS(tp, **kwargs), LBFGS(npp, **kwargs)

    def t_closure() -> Any:
        t_opt.zero_grad()
        loss = mlp_loss(tp, tx, ty)
        loss.backward()
        return loss

    def n_closure() -> Any:
        n_opt.zero_grad()
        at = [torch.tensor(p.detach().numpy(), requires_grad=True) for p in npp]
        loss = mlp_loss(at, tx, ty)
        loss.backward()
        for p, a in zip(npp, at):
            p.grad = nt.tensor(a.grad.numpy().copy())
        return nt.tensor(loss.item(), dtype=npp[0].dtype)

    for i in range(steps):
        if i == steps // 2:
            saved = t_opt.state_dict()
            t_opt, n_opt = torch.optim.LBFGS(tp, **kwargs), LBFGS(npp, **kwargs)
            t_opt.load_state_dict(saved)
            n_opt.load_state_dict(_to_nt(saved, torch))
        t_loss = t_opt.step(t_closure)
        n_loss = n_opt.step(n_closure)
        assert float(n_loss) == pytest.approx(t_loss.item(), rel=1e-9)
    return t_opt, n_opt, tp, npp


@pytest.mark.parametrize("kwargs", CASES, ids=str)
def test_lbfgs_float64_matches_torch(kwargs: dict[str, Any]) -> None:
    t_opt, n_opt, tp, npp = _run(kwargs, np.float64, steps=4)
    for n, t in zip(npp, tp):
        # four steps of line search amplify float64 rounding, whose order differs between
        # BLAS builds (MKL vs OpenBLAS): compare against the tensor's scale, not per element
        expected = t.detach().numpy()
        scale = float(np.abs(expected).max())
        np.testing.assert_allclose(n.detach().numpy(), expected, rtol=1e-9, atol=1e-9 * scale)
    t_state, n_state = t_opt.state_dict()["state"][0], n_opt.state_dict()["state"][0]
    assert sorted(n_state) == sorted(t_state)
    assert n_state["func_evals"] == t_state["func_evals"]
    assert n_state["n_iter"] == t_state["n_iter"]
    assert len(n_state["old_dirs"]) == len(t_state["old_dirs"])
    np.testing.assert_allclose(n_state["d"].numpy(), t_state["d"].numpy(), rtol=1e-6, atol=1e-12)


def test_lbfgs_float32_converges_to_torchs_minimum_of_a_least_squares_problem() -> None:
    # a convex, well-conditioned problem: both reach the unique minimiser to float32 precision
    rng = np.random.default_rng(1)
    a = rng.standard_normal((20, 4)).astype(np.float32)
    b = rng.standard_normal(20).astype(np.float32)
    results = []
    for lib in (torch, nt):
        w = lib.tensor(np.zeros(4, dtype=np.float32), requires_grad=True)
        cls = torch.optim.LBFGS if lib is torch else LBFGS
        opt = cls([w], line_search_fn="strong_wolfe")
        ta, tb = lib.tensor(a), lib.tensor(b)

        def closure(opt: Any = opt, w: Any = w, ta: Any = ta, tb: Any = tb) -> Any:
            opt.zero_grad()
            loss = ((ta @ w - tb) ** 2).mean()
            loss.backward()
            return loss

        for _ in range(3):
            opt.step(closure)
        results.append(w.detach().numpy())
    exact = np.linalg.lstsq(a.astype(np.float64), b.astype(np.float64), rcond=None)[0]
    # near the minimum the float32 loss is flat to within its round-off (~1e-7 relative),
    # so the iterates stop anywhere within ~sqrt(1e-7) ~ 3e-4 of it: both must land there
    for w in results:
        np.testing.assert_allclose(w, exact, rtol=1e-3, atol=1e-3)
    assert results[1].dtype == np.float32


def test_lbfgs_step_without_closure_says_what_it_needs() -> None:
    opt = LBFGS([nt.zeros(2, requires_grad=True)])
    with pytest.raises(RuntimeError, match="needs a closure"):
        opt.step()


def test_lbfgs_rejects_parameter_groups() -> None:
    a, b = nt.zeros(2, requires_grad=True), nt.zeros(2, requires_grad=True)
    with pytest.raises(ValueError, match="doesn't support per-parameter options"):
        LBFGS([{"params": [a]}, {"params": [b]}])
    opt = LBFGS([a])
    with pytest.raises(ValueError, match="doesn't support per-parameter options"):
        opt.add_param_group({"params": [b]})


def test_lbfgs_rejects_unknown_line_search() -> None:
    w = nt.ones(2, requires_grad=True)
    opt = LBFGS([w], line_search_fn="armijo")

    def closure() -> Any:
        opt.zero_grad()
        loss = (w * w).sum()
        loss.backward()
        return loss

    with pytest.raises(RuntimeError, match="only 'strong_wolfe' is supported"):
        opt.step(closure)


def test_lbfgs_defaults_match_torch() -> None:
    w, tw = nt.zeros(2, requires_grad=True), torch.zeros(2, requires_grad=True)
    assert LBFGS([w]).defaults == torch.optim.LBFGS([tw]).defaults


def test_lbfgs_state_survives_nettrain_save_and_continues_identically(tmp_path: Any) -> None:
    def make() -> tuple[Any, Any, Any]:
        w = nt.tensor(np.array([1.0, 2.0, -1.0]), requires_grad=True)
        opt = LBFGS([w], history_size=3, max_iter=4)

        def closure() -> Any:
            opt.zero_grad()
            loss = ((w - 3) ** 2).sum() + 0.01 * (w**4).sum()
            loss.backward()
            return loss

        return w, opt, closure

    w, opt, closure = make()
    opt.step(closure)
    nt.save(opt.state_dict(), tmp_path / "lbfgs.safetensors")
    saved_w = w.detach().numpy().copy()
    opt.step(closure)
    expected = w.detach().numpy().copy()

    w2, opt2, closure2 = make()
    with nt.no_grad():
        w2.copy_(nt.tensor(saved_w))
    opt2.load_state_dict(nt.load(tmp_path / "lbfgs.safetensors"))
    opt2.step(closure2)
    np.testing.assert_array_equal(w2.detach().numpy(), expected)
