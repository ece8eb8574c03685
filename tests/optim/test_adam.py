"""Adam against PyTorch over every option combination."""

from __future__ import annotations

import pytest

import nettrain as nt
from nettrain.optim import Adam
from tests.helpers.optim_oracle import Pair, grid

torch = pytest.importorskip("torch")

CASES = grid(
    lr=[0.05],
    betas=[(0.9, 0.999), (0.3, 0.9)],
    weight_decay=[0.0, 0.1],
    amsgrad=[False, True],
    maximize=[False, True],
)


@pytest.mark.parametrize("kwargs", CASES, ids=str)
def test_adam_matches_torch_for_50_steps(kwargs: dict, device: str) -> None:
    pair = Pair(torch, Adam, kwargs, device=device)
    pair.run(50)
    pair.assert_close()


def test_adam_with_its_own_autograd_matches_torch(device: str) -> None:
    pair = Pair(torch, Adam, CASES[0], device=device, shared_grads=False)
    pair.run(50)
    pair.assert_close()


def test_adam_rejects_negative_lr() -> None:
    with pytest.raises(ValueError, match="Invalid learning rate: -1.0"):
        Adam([nt.zeros(2, requires_grad=True)], lr=-1.0)


@pytest.mark.parametrize("betas", [(1.0, 0.999), (0.9, -0.1)])
def test_adam_rejects_betas_outside_0_1(betas: tuple) -> None:
    with pytest.raises(ValueError, match="Invalid beta parameter at index"):
        Adam([nt.zeros(2, requires_grad=True)], betas=betas)


def test_adam_state_has_torch_keys_and_float32_step() -> None:
    w = nt.ones(3, requires_grad=True)
    opt = Adam([w], amsgrad=True)
    w.sum().backward()
    opt.step()
    state = opt.state[w]
    assert sorted(state) == ["exp_avg", "exp_avg_sq", "max_exp_avg_sq", "step"]
    assert state["step"].item() == 1.0 and state["step"].dtype == nt.float32
    assert state["exp_avg"].dtype == nt.float32
