"""Every scheduler's lr sequence against PyTorch's over 30 epochs, and state_dict round trips."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import nettrain as nt
from nettrain import optim
from nettrain.optim import lr_scheduler

torch = pytest.importorskip("torch")

EPOCHS = 30


def _decay(epoch: int) -> float:
    return 0.95**epoch


def _warm(epoch: int) -> float:
    return min(1.0, (epoch + 1) / 5)


# name, optimizer (class name, kwargs), scheduler factory taking (module, optimizer)
CASES: dict[str, tuple[str, dict, Any]] = {
    "StepLR": ("SGD", {}, lambda m, o: m.StepLR(o, step_size=7, gamma=0.5)),
    "MultiStepLR": ("SGD", {}, lambda m, o: m.MultiStepLR(o, [5, 12, 12, 20], gamma=0.3)),
    "ExponentialLR": ("SGD", {}, lambda m, o: m.ExponentialLR(o, gamma=0.9)),
    "CosineAnnealingLR": (
        "SGD",
        {},
        lambda m, o: m.CosineAnnealingLR(o, T_max=10, eta_min=0.001),
    ),
    "LinearLR_up": ("SGD", {}, lambda m, o: m.LinearLR(o, start_factor=0.25, total_iters=8)),
    "LinearLR_down": (
        "SGD",
        {},
        lambda m, o: m.LinearLR(o, start_factor=1.0, end_factor=0.1, total_iters=12),
    ),
    "LambdaLR": ("SGD", {}, lambda m, o: m.LambdaLR(o, _decay)),
    "LambdaLR_per_group": ("SGD", {}, lambda m, o: m.LambdaLR(o, [_decay, _warm])),
    "OneCycleLR_cos_sgd": (
        "SGD",
        {"momentum": 0.9},
        lambda m, o: m.OneCycleLR(o, max_lr=[0.5, 0.2], total_steps=EPOCHS + 1),
    ),
    "OneCycleLR_linear_adam": (
        "Adam",
        {},
        lambda m, o: m.OneCycleLR(
            o, max_lr=0.01, epochs=3, steps_per_epoch=11, anneal_strategy="linear"
        ),
    ),
    "OneCycleLR_three_phase": (
        "SGD",
        {"momentum": 0.9},
        lambda m, o: m.OneCycleLR(
            o, max_lr=0.3, total_steps=EPOCHS, three_phase=True, pct_start=0.25
        ),
    ),
    "SequentialLR_warmup_cosine": (
        "SGD",
        {},
        lambda m, o: m.SequentialLR(
            o,
            [m.LinearLR(o, start_factor=0.1, total_iters=5), m.CosineAnnealingLR(o, T_max=25)],
            milestones=[5],
        ),
    ),
    "SequentialLR_three": (
        "SGD",
        {},
        lambda m, o: m.SequentialLR(
            o,
            [
                m.ExponentialLR(o, gamma=0.9),
                m.StepLR(o, step_size=3, gamma=0.5),
                m.ExponentialLR(o, gamma=0.8),
            ],
            milestones=[8, 20],
        ),
    ),
}

PLATEAU_METRICS = [1.0, 0.9, 0.95, 0.95, 0.95, 0.94, 0.8, 0.8, 0.81, 0.82, 0.83, 0.84] * 3
PLATEAU = [
    {},
    {"mode": "max", "patience": 1, "factor": 0.5},
    {"patience": 2, "threshold_mode": "abs", "threshold": 0.05, "cooldown": 2},
    {"patience": 0, "factor": 0.5, "min_lr": [0.05, 0.02]},
    {"patience": 0, "factor": 0.5, "min_lr": 0.04, "eps": 0.02},
]


def _optimizer(lib: Any, name: str, kwargs: dict) -> Any:
    params = [lib.zeros(2, requires_grad=True), lib.zeros(3, requires_grad=True)]
    groups = [{"params": [params[0]]}, {"params": [params[1]], "lr": 0.05}]
    return getattr(lib.optim, name)(groups, lr=0.1, **kwargs)


def _trace(opt: Any, sched: Any, epochs: int) -> list[tuple]:
    """lrs (and momentum/beta1) before training and after each epoch's scheduler step."""
    rows = []
    for _ in range(epochs):
        rows.append(_row(opt, sched))
        opt.step()
        sched.step()
    rows.append(_row(opt, sched))
    return rows


def _row(opt: Any, sched: Any) -> tuple:
    momenta = [g.get("momentum", g.get("betas", (None,))[0]) for g in opt.param_groups]
    return (tuple(sched.get_last_lr()), tuple(g["lr"] for g in opt.param_groups), tuple(momenta))


@pytest.mark.parametrize("name", list(CASES))
def test_lr_sequence_matches_torch(name: str) -> None:
    opt_name, opt_kwargs, make = CASES[name]
    topt = _optimizer(torch, opt_name, opt_kwargs)
    nopt = _optimizer(nt, opt_name, opt_kwargs)
    expected = _trace(topt, make(torch.optim.lr_scheduler, topt), EPOCHS)
    got = _trace(nopt, make(lr_scheduler, nopt), EPOCHS)
    assert got == expected  # same recursive formulas: equal to the last bit
    assert len({row[1] for row in got}) > 1, "the schedule never changed the lr"


@pytest.mark.parametrize("kwargs", PLATEAU, ids=str)
def test_reduce_on_plateau_matches_torch(kwargs: dict) -> None:
    topt, nopt = _optimizer(torch, "SGD", {}), _optimizer(nt, "SGD", {})
    tsched = torch.optim.lr_scheduler.ReduceLROnPlateau(topt, **kwargs)
    nsched = lr_scheduler.ReduceLROnPlateau(nopt, **kwargs)
    for metric in PLATEAU_METRICS:
        tsched.step(metric)
        nsched.step(nt.tensor(metric))  # a 0-d tensor works as a metric too
        assert nsched.get_last_lr() == tsched.get_last_lr()
        assert nsched.num_bad_epochs == tsched.num_bad_epochs
    assert nsched.get_last_lr() != [0.1, 0.05]


@pytest.mark.parametrize("through_file", [False, True], ids=["in_memory", "nettrain.save"])
@pytest.mark.parametrize("name", [*CASES, "ReduceLROnPlateau"])
def test_state_dict_round_trip_halfway_continues_identically(
    name: str, through_file: bool, tmp_path: Path
) -> None:
    def build() -> tuple[Any, Any]:
        if name == "ReduceLROnPlateau":
            opt = _optimizer(nt, "SGD", {})
            return opt, lr_scheduler.ReduceLROnPlateau(opt, patience=1, cooldown=1)
        opt_name, opt_kwargs, make = CASES[name]
        opt = _optimizer(nt, opt_name, opt_kwargs)
        return opt, make(lr_scheduler, opt)

    def advance(opt: Any, sched: Any, epochs: range) -> list:
        lrs = []
        for epoch in epochs:
            opt.step()
            if name == "ReduceLROnPlateau":
                sched.step(PLATEAU_METRICS[epoch])
            else:
                sched.step()
            lrs.append(sched.get_last_lr())
        return lrs

    opt, sched = build()
    advance(opt, sched, range(12))
    opt_state, sched_state = opt.state_dict(), sched.state_dict()
    assert "optimizer" not in sched_state
    if through_file:
        nt.save({"optimizer": opt_state, "scheduler": sched_state}, tmp_path / "s.safetensors")
        loaded = nt.load(tmp_path / "s.safetensors")
        opt_state, sched_state = loaded["optimizer"], loaded["scheduler"]
    expected = advance(opt, sched, range(12, EPOCHS))
    opt2, sched2 = build()
    opt2.load_state_dict(opt_state)
    sched2.load_state_dict(sched_state)
    assert advance(opt2, sched2, range(12, EPOCHS)) == expected


def test_resuming_without_initial_lr_is_a_key_error() -> None:
    opt = optim.SGD([nt.zeros(1, requires_grad=True)], lr=0.1)
    with pytest.raises(KeyError, match="initial_lr"):
        lr_scheduler.StepLR(opt, step_size=2, last_epoch=3)


def test_one_cycle_needs_momentum_and_a_length() -> None:
    opt = optim.Adagrad([nt.zeros(1, requires_grad=True)])
    with pytest.raises(ValueError, match="momentum or beta1"):
        lr_scheduler.OneCycleLR(opt, max_lr=0.1, total_steps=10)
    with pytest.raises(ValueError, match="total_steps OR"):
        lr_scheduler.OneCycleLR(opt, max_lr=0.1, cycle_momentum=False)


def test_scheduler_needs_an_optimizer() -> None:
    with pytest.raises(TypeError, match="list is not an Optimizer"):
        lr_scheduler.ExponentialLR([], gamma=0.5)


@pytest.mark.parametrize(
    "name",
    [
        "StepLR",
        "MultiStepLR",
        "ExponentialLR",
        "CosineAnnealingLR",
        "LinearLR",
        "OneCycleLR",
        "LambdaLR",
        "ReduceLROnPlateau",
        "SequentialLR",
    ],
)
def test_signature_matches_torch(name: str) -> None:
    import inspect

    ours = inspect.signature(getattr(lr_scheduler, name)).parameters
    theirs = inspect.signature(getattr(torch.optim.lr_scheduler, name)).parameters
    assert list(ours) == list(theirs)
    for key, param in theirs.items():
        assert ours[key].default == param.default, key
