"""Adadelta against PyTorch: float64 trajectories to round-off over every option, float32 to
its own precision, PyTorch's validation messages and state keys."""

from __future__ import annotations

import numpy as np
import pytest

import nettrain as nt
from nettrain.optim import Adadelta
from tests.helpers.optim_oracle import grid
from tests.helpers.optim_trajectory import assert_trajectories_close, run_trajectory

torch = pytest.importorskip("torch")

CASES = grid(lr=[1.0, 0.5], weight_decay=[0.0, 0.1], maximize=[False, True], rho=[0.9, 0.5])


@pytest.mark.parametrize("kwargs", CASES, ids=str)
def test_adadelta_float64_matches_torch_for_50_steps(kwargs: dict) -> None:
    # one group added at step 10 with its own lr, a state_dict round trip at step 25
    result = run_trajectory(torch, Adadelta, kwargs, np.float64, second_group={"lr": 0.02})
    assert_trajectories_close(result, rtol=1e-10)


def test_adadelta_float32_matches_torch_to_float32_precision() -> None:
    # per-step round-off (~6e-8) compounds over 50 steps of a contracting iteration; 1e-4
    # leaves a wide margin while a wrong formula is off by far more
    result = run_trajectory(torch, Adadelta, {"lr": 1.0}, np.float32)
    assert_trajectories_close(result, rtol=1e-4, atol=1e-6)


def test_adadelta_rejects_negative_lr() -> None:
    with pytest.raises(ValueError, match="Invalid learning rate: -1.0"):
        Adadelta([nt.zeros(2, requires_grad=True)], lr=-1.0)


def test_adadelta_rejects_rho_outside_0_1() -> None:
    with pytest.raises(ValueError, match="Invalid rho value: 1.5"):
        Adadelta([nt.zeros(2, requires_grad=True)], rho=1.5)


def test_adadelta_state_has_torch_keys() -> None:
    w = nt.ones(3, requires_grad=True)
    tw = torch.ones(3, requires_grad=True)
    opt, topt = Adadelta([w]), torch.optim.Adadelta([tw])
    w.sum().backward()
    tw.sum().backward()
    opt.step()
    topt.step()
    assert sorted(opt.state[w]) == sorted(topt.state[tw])
    assert opt.state[w]["step"].dtype == nt.float32
    assert opt.defaults == topt.defaults
