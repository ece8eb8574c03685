"""SGD against PyTorch over every option combination."""

from __future__ import annotations

import pytest

from nettrain.optim import SGD
from tests.helpers.optim_oracle import Pair, grid

torch = pytest.importorskip("torch")

CASES = [
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


@pytest.mark.parametrize("kwargs", CASES, ids=str)
def test_sgd_matches_torch_for_50_steps(kwargs: dict, device: str) -> None:
    pair = Pair(torch, SGD, kwargs, device=device)
    pair.run(50)
    pair.assert_close()


def test_sgd_with_its_own_autograd_matches_torch(device: str) -> None:
    pair = Pair(torch, SGD, CASES[0], device=device, shared_grads=False)
    pair.run(50)
    pair.assert_close()


def test_sgd_step_is_minus_lr_times_grad() -> None:
    import nettrain as nt

    w = nt.tensor([1.0, -2.0], requires_grad=True)
    (w * nt.tensor([3.0, 4.0])).sum().backward()
    SGD([w], lr=0.5).step()
    assert w.tolist() == [1.0 - 1.5, -2.0 - 2.0]


@pytest.mark.parametrize(
    "kwargs", [{"nesterov": True}, {"nesterov": True, "momentum": 0.9, "dampening": 0.1}]
)
def test_nesterov_without_momentum_or_with_dampening_is_value_error(kwargs: dict) -> None:
    import nettrain as nt

    with pytest.raises(ValueError, match="Nesterov momentum requires a momentum and zero"):
        SGD([nt.zeros(2, requires_grad=True)], lr=0.1, **kwargs)


@pytest.mark.parametrize("kwargs", [{"lr": -1.0}, {"momentum": -0.1}, {"weight_decay": -1.0}])
def test_negative_hyperparameters_are_value_errors(kwargs: dict) -> None:
    import nettrain as nt

    with pytest.raises(ValueError, match="Invalid"):
        SGD([nt.zeros(2, requires_grad=True)], **kwargs)
