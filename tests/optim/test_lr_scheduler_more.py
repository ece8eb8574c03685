"""ConstantLR, MultiplicativeLR, PolynomialLR, ChainedScheduler, CyclicLR and
CosineAnnealingWarmRestarts against PyTorch over many steps, and state_dict round trips."""

from __future__ import annotations

import inspect
from typing import Any

import pytest

import nettrain as nt
from nettrain.optim import lr_scheduler

torch = pytest.importorskip("torch")

STEPS = 80


class _Halve:
    """A callable object: its state travels in state_dict, unlike a plain function's."""

    def __init__(self) -> None:
        self.base = 0.5

    def __call__(self, x: float) -> float:
        return self.base**x


def _gentle(epoch: int) -> float:
    return 0.97 if epoch % 3 else 1.01


# name -> (optimizer class name, optimizer kwargs, scheduler factory (module, optimizer))
CASES: dict[str, tuple[str, dict, Any]] = {
    "ConstantLR": ("SGD", {}, lambda m, o: m.ConstantLR(o, factor=0.25, total_iters=7)),
    "ConstantLR_default": ("SGD", {}, lambda m, o: m.ConstantLR(o)),
    "MultiplicativeLR": ("SGD", {}, lambda m, o: m.MultiplicativeLR(o, _gentle)),
    "PolynomialLR": ("SGD", {}, lambda m, o: m.PolynomialLR(o, total_iters=50, power=2.0)),
    "PolynomialLR_default": ("SGD", {}, lambda m, o: m.PolynomialLR(o)),
    "WarmRestarts": ("SGD", {}, lambda m, o: m.CosineAnnealingWarmRestarts(o, T_0=7)),
    "WarmRestarts_mult": (
        "SGD",
        {},
        lambda m, o: m.CosineAnnealingWarmRestarts(o, T_0=3, T_mult=2, eta_min=0.001),
    ),
    "CyclicLR_triangular_sgd": (
        "SGD",
        {"momentum": 0.9},
        lambda m, o: m.CyclicLR(o, base_lr=0.01, max_lr=[0.1, 0.2], step_size_up=6),
    ),
    "CyclicLR_triangular2_adam": (
        "Adam",
        {},
        lambda m, o: m.CyclicLR(
            o, base_lr=0.001, max_lr=0.01, step_size_up=5, step_size_down=9, mode="triangular2"
        ),
    ),
    "CyclicLR_exp_range": (
        "SGD",
        {"momentum": 0.5},
        lambda m, o: m.CyclicLR(
            o, 0.01, 0.1, step_size_up=4, mode="exp_range", gamma=0.97, base_momentum=0.3
        ),
    ),
    "CyclicLR_scale_fn_no_momentum": (
        "Adagrad",
        {},
        lambda m, o: m.CyclicLR(
            o,
            0.01,
            0.1,
            step_size_up=3,
            scale_fn=_Halve(),
            scale_mode="iterations",
            cycle_momentum=False,
        ),
    ),
    "ChainedScheduler": (
        "SGD",
        {},
        lambda m, o: m.ChainedScheduler(
            [m.ConstantLR(o, factor=0.1, total_iters=5), m.ExponentialLR(o, gamma=0.95)]
        ),
    ),
    "ChainedScheduler_optimizer_given": (
        "SGD",
        {},
        lambda m, o: m.ChainedScheduler(
            [m.PolynomialLR(o, total_iters=30), m.CosineAnnealingWarmRestarts(o, T_0=8)], o
        ),
    ),
}


def _optimizer(lib: Any, name: str, kwargs: dict) -> Any:
    params = [lib.zeros(2, requires_grad=True), lib.zeros(3, requires_grad=True)]
    groups = [{"params": [params[0]]}, {"params": [params[1]], "lr": 0.05}]
    return getattr(lib.optim, name)(groups, lr=0.1, **kwargs)


def _row(opt: Any, sched: Any) -> tuple:
    momenta = [g.get("momentum", g.get("betas", (None,))[0]) for g in opt.param_groups]
    return (tuple(sched.get_last_lr()), tuple(g["lr"] for g in opt.param_groups), tuple(momenta))


def _trace(opt: Any, sched: Any, steps: range) -> list[tuple]:
    rows = []
    for _ in steps:
        opt.step()
        sched.step()
        rows.append(_row(opt, sched))
    return rows


@pytest.mark.parametrize("name", list(CASES))
def test_lr_sequence_matches_torch(name: str) -> None:
    opt_name, opt_kwargs, make = CASES[name]
    topt, nopt = _optimizer(torch, opt_name, opt_kwargs), _optimizer(nt, opt_name, opt_kwargs)
    tsched, nsched = make(torch.optim.lr_scheduler, topt), make(lr_scheduler, nopt)
    assert _row(nopt, nsched) == _row(topt, tsched)
    got, expected = _trace(nopt, nsched, range(STEPS)), _trace(topt, tsched, range(STEPS))
    assert got == expected  # the same formulas in the same order: equal to the last bit
    assert len({row[1] for row in got}) > 1, "the schedule never changed the lr"


@pytest.mark.parametrize("name", list(CASES))
def test_state_dict_round_trip_midway_continues_like_torch(name: str) -> None:
    opt_name, opt_kwargs, make = CASES[name]
    topt, nopt = _optimizer(torch, opt_name, opt_kwargs), _optimizer(nt, opt_name, opt_kwargs)
    tsched, nsched = make(torch.optim.lr_scheduler, topt), make(lr_scheduler, nopt)
    _trace(topt, tsched, range(STEPS // 2))
    _trace(nopt, nsched, range(STEPS // 2))
    saved_opt, saved = nopt.state_dict(), nsched.state_dict()
    assert "optimizer" not in saved
    # the same keys, but for the flag each library uses internally while stepping
    internal = {"_is_initial", "_get_lr_called_within_step"}
    assert sorted(set(saved) - internal) == sorted(set(tsched.state_dict()) - internal)
    nopt2 = _optimizer(nt, opt_name, opt_kwargs)
    nsched2 = make(lr_scheduler, nopt2)
    nopt2.load_state_dict(saved_opt)
    nsched2.load_state_dict(saved)
    rest = range(STEPS // 2, STEPS)
    assert _trace(nopt2, nsched2, rest) == _trace(topt, tsched, rest)


@pytest.mark.parametrize("t_mult", [1, 2, 3])
def test_warm_restarts_fractional_epochs_match_torch(t_mult: int) -> None:
    # stepped per batch with epoch + i / iters, as PyTorch's docs show
    topt, nopt = _optimizer(torch, "SGD", {}), _optimizer(nt, "SGD", {})
    tsched = torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(topt, T_0=2, T_mult=t_mult)
    nsched = lr_scheduler.CosineAnnealingWarmRestarts(nopt, T_0=2, T_mult=t_mult)
    iters = 7
    for epoch in range(12):
        for i in range(iters):
            tsched.step(epoch + i / iters)
            nsched.step(epoch + i / iters)
            assert nsched.get_last_lr() == tsched.get_last_lr()
            assert (nsched.T_cur, nsched.T_i, nsched.last_epoch) == (
                tsched.T_cur,
                tsched.T_i,
                tsched.last_epoch,
            )


def test_warm_restarts_rejects_bad_arguments() -> None:
    opt = _optimizer(nt, "SGD", {})
    with pytest.raises(ValueError, match="Expected positive integer T_0, but got 0"):
        lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=0)
    with pytest.raises(ValueError, match="Expected integer T_mult >= 1, but got 1.5"):
        lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=2, T_mult=1.5)
    sched = lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=2)
    with pytest.raises(ValueError, match="Expected non-negative epoch, but got -1"):
        sched.step(-1)


def test_cyclic_lr_errors_name_the_problem() -> None:
    with pytest.raises(ValueError, match="mode is invalid and scale_fn is None"):
        lr_scheduler.CyclicLR(_optimizer(nt, "SGD", {}), 0.01, 0.1, mode="sine")
    with pytest.raises(ValueError, match="must support momentum or beta1"):
        lr_scheduler.CyclicLR(_optimizer(nt, "Adagrad", {}), 0.01, 0.1)
    with pytest.raises(ValueError, match="max_lr must have the same length"):
        lr_scheduler.CyclicLR(_optimizer(nt, "SGD", {}), 0.01, [0.1, 0.2, 0.3])


def test_cyclic_lr_keeps_a_callable_objects_state_through_state_dict() -> None:
    opt = _optimizer(nt, "SGD", {})
    fn = _Halve()
    sched = lr_scheduler.CyclicLR(opt, 0.01, 0.1, scale_fn=fn, cycle_momentum=False)
    fn.base = 0.25
    state = sched.state_dict()
    assert state["_scale_fn_custom"] == {"base": 0.25}
    other = _Halve()
    sched2 = lr_scheduler.CyclicLR(_optimizer(nt, "SGD", {}), 0.01, 0.1, scale_fn=other)
    sched2.load_state_dict(state)
    assert other.base == 0.25 and sched2._scale_fn_custom is other


def test_constant_lr_rejects_factor_above_one() -> None:
    with pytest.raises(ValueError, match="between 0 and 1"):
        lr_scheduler.ConstantLR(_optimizer(nt, "SGD", {}), factor=1.5)


def test_chained_scheduler_rejects_plateau_and_other_optimizers() -> None:
    opt, other = _optimizer(nt, "SGD", {}), _optimizer(nt, "SGD", {})
    with pytest.raises(ValueError, match="does not support `ReduceLROnPlateau`"):
        lr_scheduler.ChainedScheduler([lr_scheduler.ReduceLROnPlateau(opt)])
    with pytest.raises(ValueError, match="same optimizer"):
        lr_scheduler.ChainedScheduler(
            [lr_scheduler.ConstantLR(opt), lr_scheduler.ConstantLR(other)]
        )
    with pytest.raises(ValueError, match="at least one scheduler"):
        lr_scheduler.ChainedScheduler([])


@pytest.mark.parametrize(
    "name",
    [
        "ConstantLR",
        "MultiplicativeLR",
        "PolynomialLR",
        "ChainedScheduler",
        "CyclicLR",
        "CosineAnnealingWarmRestarts",
    ],
)
def test_signature_matches_torch(name: str) -> None:
    ours = inspect.signature(getattr(lr_scheduler, name)).parameters
    theirs = inspect.signature(getattr(torch.optim.lr_scheduler, name)).parameters
    assert list(ours) == list(theirs)
    for key, param in theirs.items():
        assert ours[key].default == param.default, key
