"""nn.utils: gradient clipping and parameter/vector conversion, against PyTorch."""

from __future__ import annotations

import math

import numpy as np
import pytest

import nettrain as nt
import nettrain.nn as nn
from nettrain.nn.utils import (
    clip_grad_norm_,
    clip_grad_value_,
    parameters_to_vector,
    vector_to_parameters,
)


def _pair(grad_scale: float = 1.0):
    """A nettrain and a torch parameter list with the same gradients."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    shapes = [(3, 4), (4,), (2, 2, 2)]
    grads = [rng.standard_normal(s) * grad_scale for s in shapes]
    ours, theirs = [], []
    for g in grads:
        p = nn.Parameter(nt.zeros(g.shape, dtype=nt.float64))
        p.grad = nt.tensor(g)
        q = torch.nn.Parameter(torch.zeros(g.shape, dtype=torch.float64))
        q.grad = torch.tensor(g)
        ours.append(p)
        theirs.append(q)
    return ours, theirs, torch


@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0, math.inf])
@pytest.mark.parametrize("max_norm", [0.5, 1e6])
def test_clip_grad_norm_matches_torch(norm_type: float, max_norm: float) -> None:
    ours, theirs, torch = _pair()
    total = clip_grad_norm_(ours, max_norm, norm_type)
    expected = torch.nn.utils.clip_grad_norm_(theirs, max_norm, norm_type)
    assert total.item() == pytest.approx(expected.item(), rel=1e-12)
    for p, q in zip(ours, theirs):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-12)


def test_clip_grad_norm_single_tensor_and_no_grads() -> None:
    p = nn.Parameter(nt.zeros(3))
    assert clip_grad_norm_(p, 1.0).item() == 0.0
    p.grad = nt.tensor([3.0, 4.0, 0.0])
    assert clip_grad_norm_(p, 1.0).item() == pytest.approx(5.0)
    assert np.linalg.norm(p.grad.numpy()) == pytest.approx(1.0, rel=1e-5)
    assert p.grad.dtype == nt.float32


def test_clip_grad_norm_nonfinite() -> None:
    p = nn.Parameter(nt.zeros(2))
    p.grad = nt.tensor([math.inf, 1.0])
    with pytest.raises(RuntimeError, match="non-finite"):
        clip_grad_norm_([p], 1.0, error_if_nonfinite=True)


def test_clip_grad_value_matches_torch() -> None:
    ours, theirs, torch = _pair(grad_scale=3.0)
    clip_grad_value_(ours, 1.5)
    torch.nn.utils.clip_grad_value_(theirs, 1.5)
    for p, q in zip(ours, theirs):
        np.testing.assert_array_equal(p.grad.numpy(), q.grad.numpy())


def test_parameters_to_vector_and_back_match_torch() -> None:
    torch = pytest.importorskip("torch")
    ours = nn.Sequential(nn.Linear(3, 2), nn.Linear(2, 1)).double()
    theirs = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.Linear(2, 1)).double()
    theirs.load_state_dict({k: torch.tensor(v.numpy()) for k, v in ours.state_dict().items()})
    vec = parameters_to_vector(ours.parameters())
    np.testing.assert_array_equal(
        vec.detach().numpy(), torch.nn.utils.parameters_to_vector(theirs.parameters()).detach()
    )
    assert vec.shape == (11,) and vec.requires_grad  # differentiable, as in PyTorch
    new = np.arange(11.0)
    vector_to_parameters(nt.tensor(new), ours.parameters())
    torch.nn.utils.vector_to_parameters(torch.tensor(new), theirs.parameters())
    for p, q in zip(ours.parameters(), theirs.parameters()):
        np.testing.assert_array_equal(p.detach().numpy(), q.detach().numpy())


def test_vector_to_parameters_errors() -> None:
    params = list(nn.Linear(2, 2).parameters())
    with pytest.raises(TypeError, match="expected nettrain.Tensor"):
        vector_to_parameters([1.0] * 6, params)
    with pytest.raises(RuntimeError, match="does not hold the 6 values"):
        vector_to_parameters(nt.zeros(5), params)


def test_clip_on_device(device: str) -> None:
    layer = nn.Linear(3, 3).to(device)
    layer(nt.randn(4, 3, device=device)).sum().backward()
    total = clip_grad_norm_(layer.parameters(), 0.01)
    assert total.device == layer.weight.device
    clip_grad_value_(layer.parameters(), 0.001)
    assert float(abs(layer.weight.grad).max()) <= float(np.float32(0.001))


@pytest.mark.parametrize("norm_type", [2.0, 1.0, float("inf")])
def test_device_formulation_matches_the_host_path(norm_type: float) -> None:
    """The GPU path (device scalars, an unconditional multiply by min(coef, 1)) clips
    exactly as the CPU path does; run here on numpy arrays."""
    from nettrain.nn.utils import clip_grad as clip_module

    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(s).astype(np.float32) for s in [(3, 4), (4,), (2, 2, 2)]]
    host = [nt.zeros(a.shape, requires_grad=True) for a in arrays]
    for p, a in zip(host, arrays):
        p.grad = nt.tensor(a.copy())
    expected_total = clip_grad_norm_(host, max_norm=1.0, norm_type=norm_type)
    grads = [nt.Tensor._make(a.copy()) for a in arrays]
    total = clip_module._clip_on_device(np, grads, 1.0, norm_type, False)
    np.testing.assert_allclose(np.asarray(total), expected_total.item(), rtol=1e-6)
    for g, p in zip(grads, host):
        assert g._data.dtype == np.float32
        np.testing.assert_allclose(np.asarray(g._data), p.grad.numpy(), rtol=1e-6, atol=1e-7)
