"""Adagrad against PyTorch over every option combination."""

from __future__ import annotations

import pytest

import nettrain as nt
from nettrain.optim import Adagrad
from tests.helpers.optim_oracle import Pair, grid

torch = pytest.importorskip("torch")

CASES = grid(
    lr=[0.1],
    lr_decay=[0.0, 0.1],
    weight_decay=[0.0, 0.1],
    initial_accumulator_value=[0.0, 0.5],
    maximize=[False, True],
)


@pytest.mark.parametrize("kwargs", CASES, ids=str)
def test_adagrad_matches_torch_for_50_steps(kwargs: dict, device: str) -> None:
    pair = Pair(torch, Adagrad, kwargs, device=device)
    pair.run(50)
    pair.assert_close()


def test_adagrad_with_its_own_autograd_matches_torch(device: str) -> None:
    pair = Pair(torch, Adagrad, CASES[0], device=device, shared_grads=False)
    pair.run(50)
    pair.assert_close()


def test_adagrad_rejects_negative_lr() -> None:
    with pytest.raises(ValueError, match="Invalid learning rate: -1.0"):
        Adagrad([nt.zeros(2, requires_grad=True)], lr=-1.0)


def test_adagrad_creates_state_for_every_param_at_construction() -> None:
    w = nt.ones(3, requires_grad=True)
    opt = Adagrad([w], initial_accumulator_value=0.25)
    assert opt.state[w]["sum"].tolist() == [0.25, 0.25, 0.25]
    assert opt.state[w]["step"].item() == 0.0
