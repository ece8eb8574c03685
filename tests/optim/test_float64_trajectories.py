"""Every optimizer and option against PyTorch in float64: 50 steps, ~1e-10 relative.

In float64 round-off is ~1e-16 per operation, so any real difference in the update rule
(an operation done in the wrong precision, a constant rounded to float32, a different
order of bias corrections) shows up far above the tolerance, on any CPU. The float32
comparisons in the per-optimizer files check the same rules in the precision users train
in, on well-conditioned cases.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import nettrain as nt
from nettrain.optim import SGD, Adagrad, Adam, AdamW, RMSprop
from tests.helpers.optim_oracle import Pair, grid

torch = pytest.importorskip("torch")

RTOL, ATOL = 1e-10, 1e-12

SGD_CASES = [
    c
    for c in grid(
        lr=[0.1],
        momentum=[0.0, 0.9],
        dampening=[0.0, 0.5],
        weight_decay=[0.0, 0.1],
        nesterov=[False, True],
        maximize=[False, True],
    )
    if not (c["nesterov"] and (c["momentum"] == 0 or c["dampening"] != 0))
]
ADAM_CASES = grid(
    lr=[0.05],
    betas=[(0.9, 0.999), (0.3, 0.9)],
    eps=[1e-8, 1e-3],
    weight_decay=[0.0, 0.1],
    amsgrad=[False, True],
    maximize=[False, True],
)
RMSPROP_CASES = grid(
    lr=[0.01],
    alpha=[0.99, 0.3],
    eps=[1e-8],
    weight_decay=[0.0, 0.1],
    momentum=[0.0, 0.9],
    centered=[False, True],
    maximize=[False, True],
)
ADAGRAD_CASES = grid(
    lr=[0.1],
    lr_decay=[0.0, 0.01],
    weight_decay=[0.0, 0.1],
    initial_accumulator_value=[0.0, 0.5],
    maximize=[False, True],
)

CASES = [
    *[(SGD, c) for c in SGD_CASES],
    *[(Adam, c) for c in ADAM_CASES],
    *[(AdamW, c) for c in ADAM_CASES],
    *[(RMSprop, c) for c in RMSPROP_CASES],
    *[(Adagrad, c) for c in ADAGRAD_CASES],
]


def _id(case: tuple[type, dict[str, Any]]) -> str:
    cls, kwargs = case
    return f"{cls.__name__}-" + ",".join(f"{k}={v}" for k, v in kwargs.items())


@pytest.mark.parametrize("case", CASES, ids=[_id(c) for c in CASES])
def test_float64_trajectory_matches_torch(case: tuple[type, dict[str, Any]]) -> None:
    cls, kwargs = case
    pair = Pair(torch, cls, kwargs, dtype=np.float64)
    pair.run(50)
    pair.assert_close(rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("cls", [SGD, Adam, AdamW, RMSprop, Adagrad], ids=lambda c: c.__name__)
def test_float64_trajectory_with_own_autograd_matches_torch(cls: type) -> None:
    # Each side differentiates its own loss: the engines' round-off (~1e-16) stays far
    # below the tolerance even where sign-like updates amplify it.
    kwargs = {"lr": 0.05, "weight_decay": 0.1}
    pair = Pair(torch, cls, kwargs, dtype=np.float64, shared_grads=False)
    pair.run(50)
    pair.assert_close(rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("cls", [SGD, Adam, AdamW, RMSprop, Adagrad], ids=lambda c: c.__name__)
def test_param_group_added_later_follows_torch(cls: type) -> None:
    """The bias joins through ``add_param_group`` after 10 steps, with its own lr."""
    pair = Pair(torch, cls, {"lr": 0.05}, dtype=np.float64)
    (tw, tb), (nw, nb) = pair.tp, pair.np_
    pair.topt = getattr(torch.optim, cls.__name__)([tw], lr=0.05)
    pair.nopt = cls([nw], lr=0.05)
    pair.run(10)
    pair.topt.add_param_group({"params": [tb], "lr": 0.02})
    pair.nopt.add_param_group({"params": [nb], "lr": 0.02})
    assert pair.nopt.param_groups[1]["lr"] == pair.topt.param_groups[1]["lr"] == 0.02
    pair.run(40)
    pair.assert_close(rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize(
    ("cls", "kwargs"),
    [
        (SGD, {"lr": 0.1, "momentum": 0.9, "nesterov": True}),
        (Adam, {"lr": 0.05, "amsgrad": True}),
        (AdamW, {"lr": 0.05, "weight_decay": 0.1}),
        (RMSprop, {"lr": 0.01, "momentum": 0.9, "centered": True}),
        (Adagrad, {"lr": 0.1, "lr_decay": 0.01}),
    ],
    ids=lambda v: v.__name__ if isinstance(v, type) else "",
)
def test_state_dict_round_trip_midway_keeps_the_trajectory(cls: type, kwargs: dict) -> None:
    """25 steps, then a fresh optimizer loads the state dict and does 25 more."""
    pair = Pair(torch, cls, kwargs, dtype=np.float64)
    pair.run(25)
    state = pair.nopt.state_dict()
    pair.nopt = cls(pair.np_, **kwargs)
    pair.nopt.load_state_dict(state)
    pair.run(25)
    pair.assert_close(rtol=RTOL, atol=ATOL)


def test_float64_state_stays_float64() -> None:
    w = nt.ones(3, dtype=nt.float64, requires_grad=True)
    opt = Adam([w], lr=0.1)
    (w * w).sum().backward()
    opt.step()
    assert w.dtype == nt.float64
    assert opt.state[w]["exp_avg"].dtype == nt.float64
    assert opt.state[w]["exp_avg_sq"].dtype == nt.float64
