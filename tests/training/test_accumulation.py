"""Gradient accumulation: K scaled batches then one step equal one step over their union."""

from __future__ import annotations

import numpy as np
import pytest

import nettrain
from nettrain import nn, optim
from nettrain.training.accumulation import accumulation_plan, optimizer_steps_per_epoch


def test_plan_scales_by_share_of_the_group_and_steps_at_group_ends():
    assert accumulation_plan([4, 4, 4, 4], 2) == [(0.5, False), (0.5, True)] * 2
    assert accumulation_plan([4, 4, 4], 1) == [(1.0, True)] * 3
    # last group: 2 batches of 3 + 1 samples -> weights 3/4 and 1/4
    assert accumulation_plan([3, 3, 3, 1], 2)[2:] == [(0.75, False), (0.25, True)]
    # a lone last batch steps on its own, unscaled
    assert accumulation_plan([2, 2, 2], 2)[2] == (1.0, True)
    assert [optimizer_steps_per_epoch(n, 3) for n in (1, 3, 4, 7)] == [1, 1, 2, 3]
    with pytest.raises(ValueError, match=">= 1"):
        accumulation_plan([1], 0)


def _model(seed: int) -> nn.Module:
    nettrain.manual_seed(seed)
    return nn.Sequential(nn.Linear(3, 5), nn.Tanh(), nn.Linear(5, 4)).double()


def _batches(x, y, batch_size):
    return [(x[i : i + batch_size], y[i : i + batch_size]) for i in range(0, len(x), batch_size)]


@pytest.mark.parametrize("make_optimizer", [
    lambda p: optim.SGD(p, lr=0.1, momentum=0.9),
    lambda p: optim.Adam(p, lr=0.01),
])  # fmt: skip
def test_accumulated_groups_equal_one_big_batch_step(make_optimizer):
    rng = np.random.default_rng(0)
    x = nettrain.tensor(rng.standard_normal((10, 3)))
    y = nettrain.tensor(rng.integers(0, 4, 10))
    k, batch_size = 2, 3  # batches of 3, 3, 3, 1: groups of 6 and 4 samples
    loss_fn = nn.CrossEntropyLoss()

    small, big = _model(1), _model(1)
    small_opt, big_opt = make_optimizer(small.parameters()), make_optimizer(big.parameters())
    for _ in range(3):  # three epochs, so optimizer state (momentum, moments) matters too
        batches = _batches(x, y, batch_size)
        plan = accumulation_plan([len(b[1]) for b in batches], k)
        small_opt.zero_grad()
        for (xb, yb), (scale, step) in zip(batches, plan, strict=True):
            (loss_fn(small(xb), yb) * scale).backward()
            if step:
                small_opt.step()
                small_opt.zero_grad()
        for xb, yb in _batches(x, y, batch_size * k):
            big_opt.zero_grad()
            loss_fn(big(xb), yb).backward()
            big_opt.step()
    for a, b in zip(small.parameters(), big.parameters(), strict=True):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-10, atol=1e-12)
