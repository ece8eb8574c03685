"""GradScaler against PyTorch's CPU GradScaler: skipped steps, backoff, growth, state_dict;
and the disabled cases."""

from __future__ import annotations

import numpy as np
import pytest

import nettrain as nt


def _run(lib, weight, inputs, targets):  # noqa: ANN001, ANN202
    model = lib.nn.Linear(3, 1, bias=False)
    with lib.no_grad():
        model.weight.copy_(lib.tensor(weight))
    optimizer = lib.optim.SGD(model.parameters(), lr=0.1)
    scaler = lib.amp.GradScaler("cpu", init_scale=8.0, growth_interval=2)
    history = []
    for x, y in zip(inputs, targets):
        optimizer.zero_grad()
        loss = ((model(lib.tensor(x)) - lib.tensor(y)) ** 2).mean()
        scaler.scale(loss).backward()
        scaler.step(optimizer)
        scaler.update()
        history.append((model.weight.detach().numpy().copy(), scaler.get_scale()))
    return history, scaler.state_dict()


@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")
def test_trajectory_matches_torch() -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    weight = rng.standard_normal((1, 3)).astype(np.float32)
    inputs = [rng.standard_normal((4, 3)).astype(np.float32) for _ in range(7)]
    inputs[2][0, 0] = np.inf  # an overflowing step: skipped, the scale backs off
    targets = [rng.standard_normal((4, 1)).astype(np.float32) for _ in range(7)]
    ours, our_state = _run(nt, weight, inputs, targets)
    theirs, their_state = _run(torch, weight, inputs, targets)
    for step, ((w1, s1), (w2, s2)) in enumerate(zip(ours, theirs)):
        assert s1 == s2, step
        np.testing.assert_allclose(w1, w2, rtol=1e-6, atol=1e-7, err_msg=f"step {step}")
    assert our_state == their_state
    assert [s for _, s in ours] == [8.0, 16.0, 8.0, 8.0, 16.0, 16.0, 32.0]


def test_unscale_then_clip_then_step() -> None:
    model = nt.nn.Linear(2, 1)
    optimizer = nt.optim.SGD(model.parameters(), lr=0.1)
    scaler = nt.amp.GradScaler("cpu", init_scale=4.0)
    scaler.scale(model(nt.ones(1, 2)).sum()).backward()
    scaler.unscale_(optimizer)
    assert model.bias.grad.item() == pytest.approx(1.0)
    with pytest.raises(RuntimeError, match="already been called"):
        scaler.unscale_(optimizer)
    nt.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    scaler.step(optimizer)
    scaler.update()
    scaler.load_state_dict({**scaler.state_dict(), "scale": 2.0})
    assert scaler.get_scale() == 2.0


def test_disabled_scaler_is_a_pass_through() -> None:
    scaler = nt.cuda.amp.GradScaler(enabled=False)
    loss = nt.tensor(3.0)
    assert scaler.scale(loss) is loss and scaler.get_scale() == 1.0
    assert scaler.state_dict() == {} and not scaler.is_enabled()


def test_cuda_scaler_without_a_gpu_disables_itself_like_torch() -> None:
    if nt.cuda.is_available():
        pytest.skip("a GPU is usable here")
    with pytest.warns(UserWarning, match="CUDA is not available"):
        scaler = nt.amp.GradScaler()
    assert not scaler.is_enabled()


def test_bad_factors_raise() -> None:
    with pytest.raises(ValueError, match="growth factor must be > 1.0"):
        nt.amp.GradScaler("cpu", growth_factor=1.0)
    with pytest.raises(ValueError, match="backoff factor must be < 1.0"):
        nt.amp.GradScaler("cpu", backoff_factor=1.0)
