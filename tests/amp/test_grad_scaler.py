"""GradScaler against torch.amp.GradScaler: scales, skipped steps, growth, state dicts."""

from __future__ import annotations

import numpy as np
import pytest

import nettrain as nt
from nettrain.amp import GradScaler

# Steps whose gradients overflow (inf injected into the weight's gradient).
OVERFLOW_AT = {2, 3, 7}


def _run(lib, scaler_cls, optim_cls, steps: int, **scaler_kwargs):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((8, 5)).astype(np.float32)
    y = rng.standard_normal((8, 2)).astype(np.float32)
    w0 = (rng.standard_normal((5, 2)) * 0.3).astype(np.float32)
    w = lib.tensor(w0, requires_grad=True)
    opt = optim_cls([w], lr=0.1)
    scaler = scaler_cls("cpu", **scaler_kwargs)
    scales, skipped = [], []
    for step in range(steps):
        opt.zero_grad()
        loss = ((lib.tensor(x) @ w - lib.tensor(y)) ** 2).mean()
        scaler.scale(loss).backward()
        if step in OVERFLOW_AT:
            w.grad[0, 0] = float("inf")
        before = w.detach().clone()
        scaler.step(opt)
        skipped.append(bool((w.detach() == before).all()))
        scaler.update()
        scales.append(scaler.get_scale())
    return w.detach().numpy(), scales, skipped, scaler.state_dict()


def test_matches_torch_grad_scaler_step_for_step() -> None:
    torch = pytest.importorskip("torch")
    kwargs = {"init_scale": 1024.0, "growth_interval": 3}
    ours = _run(nt, GradScaler, nt.optim.SGD, 12, **kwargs)
    theirs = _run(torch, torch.amp.GradScaler, torch.optim.SGD, 12, **kwargs)
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-6, atol=1e-7)
    assert ours[1] == theirs[1]  # the scale after every update
    assert ours[2] == theirs[2]  # which steps were skipped
    assert [i for i, s in enumerate(ours[2]) if s] == sorted(OVERFLOW_AT)
    assert ours[3] == theirs[3]  # same keys, same values


def test_scale_backs_off_and_grows() -> None:
    _, scales, _, _ = _run(nt, GradScaler, nt.optim.SGD, 6, init_scale=8.0, growth_interval=2)
    # step 0, 1 clean -> grow at 1; 2, 3 overflow -> halve twice; 4, 5 clean -> grow at 5
    assert scales == [8.0, 16.0, 8.0, 4.0, 4.0, 8.0]


def test_unscale_before_clipping_then_step_does_not_unscale_twice() -> None:
    w = nt.ones(3, requires_grad=True)
    opt = nt.optim.SGD([w], lr=1.0)
    scaler = GradScaler("cpu", init_scale=4.0)
    scaler.scale((w * 2.0).sum()).backward()
    assert w.grad.tolist() == [8.0, 8.0, 8.0]
    scaler.unscale_(opt)
    assert w.grad.tolist() == [2.0, 2.0, 2.0]
    with pytest.raises(RuntimeError, match="already been called"):
        scaler.unscale_(opt)
    scaler.step(opt)
    assert w.tolist() == [-1.0, -1.0, -1.0]
    scaler.update()


def test_disabled_scaler_is_a_pass_through() -> None:
    scaler = GradScaler("cpu", enabled=False)
    loss = nt.tensor(3.0)
    assert scaler.scale(loss) is loss
    assert scaler.get_scale() == 1.0 and scaler.state_dict() == {}


def test_state_dict_round_trip() -> None:
    scaler = GradScaler("cpu", init_scale=32.0, growth_interval=5)
    scaler._growth_tracker = 3
    other = GradScaler("cpu")
    other.load_state_dict(scaler.state_dict())
    assert other.state_dict() == scaler.state_dict()
    with pytest.raises(RuntimeError, match="empty"):
        GradScaler("cpu").load_state_dict({})


@pytest.mark.parametrize("kwargs", [{"growth_factor": 1.0}, {"backoff_factor": 1.0}])
def test_bad_factors(kwargs: dict) -> None:
    with pytest.raises(ValueError):
        GradScaler("cpu", **kwargs)
