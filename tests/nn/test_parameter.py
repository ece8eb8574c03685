"""nn.Parameter: a leaf that requires grad, shares memory with its source, prints like PyTorch."""

from __future__ import annotations

import copy

import numpy as np
import pytest

import nettrain as nt
import nettrain.nn as nn


def test_requires_grad_by_default_and_is_leaf() -> None:
    p = nn.Parameter(nt.randn(2, 3))
    assert p.requires_grad and p.is_leaf and p.grad_fn is None
    assert not nn.Parameter(nt.ones(2), requires_grad=False).requires_grad
    assert isinstance(p, nt.Tensor)


def test_shares_memory_with_source_tensor() -> None:
    source = nt.ones(3)
    p = nn.Parameter(source)
    p.data[0] = 5.0
    assert source[0].item() == 5.0


def test_from_non_leaf_drops_history() -> None:
    x = nt.ones(2, requires_grad=True)
    p = nn.Parameter(x * 2)
    assert p.grad_fn is None and p.is_leaf
    np.testing.assert_array_equal(p.detach().numpy(), [2.0, 2.0])


def test_empty_parameter() -> None:
    assert nn.Parameter().shape == (0,)


def test_ops_on_parameters_return_plain_tensors() -> None:
    p = nn.Parameter(nt.ones(2))
    out = p * 2
    assert type(out) is nt.Tensor and out.grad_fn is not None
    out.sum().backward()
    np.testing.assert_array_equal(p.grad.numpy(), [2.0, 2.0])


def test_repr_matches_torch() -> None:
    torch = pytest.importorskip("torch")
    data = np.array([[0.5, -1.0], [2.0, 0.25]], dtype=np.float32)
    assert repr(nn.Parameter(nt.tensor(data))) == repr(
        torch.nn.Parameter(torch.tensor(data))
    ).replace("torch", "nettrain")


def test_deepcopy_is_independent_parameter() -> None:
    p = nn.Parameter(nt.ones(2))
    p.grad = nt.full((2,), 3.0)
    q = copy.deepcopy(p)
    assert type(q) is nn.Parameter and q.requires_grad and q is not p
    q.data[0] = 7.0
    assert p[0].item() == 1.0
    np.testing.assert_array_equal(q.grad.numpy(), [3.0, 3.0])
