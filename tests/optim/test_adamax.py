"""Adamax against PyTorch: float64 trajectories to round-off over every option, float32 to
its own precision, PyTorch's validation messages and state keys."""

from __future__ import annotations

import numpy as np
import pytest

import nettrain as nt
from nettrain.optim import Adamax
from tests.helpers.optim_oracle import grid
from tests.helpers.optim_trajectory import assert_trajectories_close, run_trajectory

torch = pytest.importorskip("torch")

CASES = grid(
    lr=[0.05], betas=[(0.9, 0.999), (0.5, 0.9)], weight_decay=[0.0, 0.1], maximize=[False, True]
)


@pytest.mark.parametrize("kwargs", CASES, ids=str)
def test_adamax_float64_matches_torch_for_50_steps(kwargs: dict) -> None:
    # one group added at step 10 with its own lr, a state_dict round trip at step 25
    result = run_trajectory(torch, Adamax, kwargs, np.float64, second_group={"lr": 0.02})
    assert_trajectories_close(result, rtol=1e-10)


def test_adamax_float32_matches_torch_to_float32_precision() -> None:
    # per-step round-off (~6e-8) compounds over 50 steps of a contracting iteration; 1e-4
    # leaves a wide margin while a wrong formula is off by far more
    result = run_trajectory(torch, Adamax, {"lr": 0.02}, np.float32)
    assert_trajectories_close(result, rtol=1e-4, atol=1e-6)


def test_adamax_rejects_negative_lr() -> None:
    with pytest.raises(ValueError, match="Invalid learning rate: -1.0"):
        Adamax([nt.zeros(2, requires_grad=True)], lr=-1.0)


@pytest.mark.parametrize("betas", [(1.0, 0.999), (0.9, -0.1)])
def test_adamax_rejects_betas_outside_0_1(betas: tuple) -> None:
    with pytest.raises(ValueError, match="Invalid beta parameter at index"):
        Adamax([nt.zeros(2, requires_grad=True)], betas=betas)


def test_adamax_state_has_torch_keys() -> None:
    w = nt.ones(3, requires_grad=True)
    tw = torch.ones(3, requires_grad=True)
    opt, topt = Adamax([w]), torch.optim.Adamax([tw])
    w.sum().backward()
    tw.sum().backward()
    opt.step()
    topt.step()
    assert sorted(opt.state[w]) == sorted(topt.state[tw])
    assert opt.defaults == topt.defaults
