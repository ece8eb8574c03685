"""NAdam against PyTorch: float64 trajectories to round-off over every option, float32 to
its own precision, PyTorch's validation messages and state keys."""

from __future__ import annotations

import numpy as np
import pytest

import nettrain as nt
from nettrain.optim import NAdam
from tests.helpers.optim_oracle import grid
from tests.helpers.optim_trajectory import assert_trajectories_close, run_trajectory

torch = pytest.importorskip("torch")

CASES = grid(
    lr=[0.05],
    weight_decay=[0.0, 0.1],
    decoupled_weight_decay=[False, True],
    maximize=[False, True],
    momentum_decay=[4e-3, 0.1],
)


@pytest.mark.parametrize("kwargs", CASES, ids=str)
def test_nadam_float64_matches_torch_for_50_steps(kwargs: dict) -> None:
    # one group added at step 10 with its own lr, a state_dict round trip at step 25
    result = run_trajectory(torch, NAdam, kwargs, np.float64, second_group={"lr": 0.02})
    assert_trajectories_close(result, rtol=1e-10)


def test_nadam_float32_matches_torch_to_float32_precision() -> None:
    # per-step round-off (~6e-8) compounds over 50 steps of a contracting iteration; 1e-4
    # leaves a wide margin while a wrong formula is off by far more
    result = run_trajectory(torch, NAdam, {"lr": 0.02, "weight_decay": 0.01}, np.float32)
    assert_trajectories_close(result, rtol=1e-4, atol=1e-6)


def test_nadam_rejects_negative_lr() -> None:
    with pytest.raises(ValueError, match="Invalid learning rate: -1.0"):
        NAdam([nt.zeros(2, requires_grad=True)], lr=-1.0)


def test_nadam_rejects_negative_momentum_decay() -> None:
    with pytest.raises(ValueError, match="Invalid momentum_decay value: -0.1"):
        NAdam([nt.zeros(2, requires_grad=True)], momentum_decay=-0.1)


def test_nadam_state_has_torch_keys_and_float32_mu_product() -> None:
    w = nt.ones(3, dtype=nt.float64, requires_grad=True)
    tw = torch.ones(3, dtype=torch.float64, requires_grad=True)
    opt, topt = NAdam([w]), torch.optim.NAdam([tw])
    w.sum().backward()
    tw.sum().backward()
    opt.step()
    topt.step()
    assert sorted(opt.state[w]) == sorted(topt.state[tw])
    # PyTorch keeps the product in float32 even for float64 parameters
    assert opt.state[w]["mu_product"].dtype == nt.float32
    assert opt.state[w]["mu_product"].item() == topt.state[tw]["mu_product"].item()
    assert opt.defaults == topt.defaults
