"""AdamW against PyTorch over every option combination."""

from __future__ import annotations

import pytest

import nettrain as nt
from nettrain.optim import AdamW
from tests.helpers.optim_oracle import Pair, grid

torch = pytest.importorskip("torch")

CASES = grid(lr=[0.05], weight_decay=[0.0, 0.1], amsgrad=[False, True], maximize=[False, True])


@pytest.mark.parametrize("kwargs", CASES, ids=str)
def test_adamw_matches_torch_for_50_steps(kwargs: dict, device: str) -> None:
    pair = Pair(torch, AdamW, kwargs, device=device)
    pair.run(50)
    pair.assert_close()


def test_adamw_with_its_own_autograd_matches_torch(device: str) -> None:
    pair = Pair(torch, AdamW, CASES[0], device=device, shared_grads=False)
    pair.run(50)
    pair.assert_close()


def test_adamw_rejects_negative_lr() -> None:
    with pytest.raises(ValueError, match="Invalid learning rate: -1.0"):
        AdamW([nt.zeros(2, requires_grad=True)], lr=-1.0)


def test_adamw_decays_parameters_not_gradients() -> None:
    w = nt.ones(2, requires_grad=True)
    opt = AdamW([w], lr=0.1, weight_decay=0.5)
    w.grad = nt.zeros(2)
    opt.step()  # zero gradient: only the decoupled decay moves w
    assert w.tolist() == pytest.approx([1.0 - 0.1 * 0.5] * 2)
