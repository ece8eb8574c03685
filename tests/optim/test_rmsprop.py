"""RMSprop against PyTorch over every option combination."""

from __future__ import annotations

import pytest

import nettrain as nt
from nettrain.optim import RMSprop
from tests.helpers.optim_oracle import Pair, grid

torch = pytest.importorskip("torch")

# Centered RMSprop divides by sqrt(square_avg - grad_avg**2). With a short memory
# (alpha=0.3) on a slowly changing gradient the two terms nearly cancel, so float32
# round-off that differs between CPUs (fused multiply-adds, vector widths) is amplified
# without bound: a float32 comparison of that case would test the CPU, not the update
# rule. It is compared in float64 (test_float64_trajectories.py) instead; float32 keeps
# the well-conditioned cases.
CASES = [
    c
    for c in grid(
        lr=[0.01],
        alpha=[0.99, 0.3],
        weight_decay=[0.0, 0.1],
        momentum=[0.0, 0.9],
        centered=[False, True],
        maximize=[False, True],
    )
    if not (c["centered"] and c["alpha"] < 0.9)
]


@pytest.mark.parametrize("kwargs", CASES, ids=str)
def test_rmsprop_matches_torch_for_50_steps(kwargs: dict, device: str) -> None:
    pair = Pair(torch, RMSprop, kwargs, device=device)
    pair.run(50)
    pair.assert_close()


def test_rmsprop_with_its_own_autograd_matches_torch(device: str) -> None:
    pair = Pair(torch, RMSprop, CASES[0], device=device, shared_grads=False)
    pair.run(50)
    pair.assert_close()


def test_rmsprop_rejects_negative_lr() -> None:
    with pytest.raises(ValueError, match="Invalid learning rate: -1.0"):
        RMSprop([nt.zeros(2, requires_grad=True)], lr=-1.0)
