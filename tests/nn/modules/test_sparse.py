"""Embedding against PyTorch: lookup, weight gradients, padding_idx, options, init."""

from __future__ import annotations

import numpy as np
import pytest

import nettrain as nt
import nettrain.nn as nn
import nettrain.nn.functional as F
from tests.helpers.torchcheck import compare, copy_weights

INDICES = np.array([[1, 0, 3, 1], [4, 4, 0, 2]])


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize(
    "kwargs",
    [{}, {"padding_idx": 0}, {"padding_idx": -1}, {"scale_grad_by_freq": True}],
    ids=["plain", "padding", "negative_padding", "scale_by_freq"],
)
def test_embedding_matches_torch(dtype: str, kwargs: dict) -> None:
    torch = pytest.importorskip("torch")
    compare(nn.Embedding(5, 3, **kwargs), torch.nn.Embedding(5, 3, **kwargs), [INDICES], dtype)


def test_padding_row_gets_no_gradient_and_starts_at_zero() -> None:
    emb = nn.Embedding(6, 4, padding_idx=2)
    assert not emb.weight[2].detach().numpy().any()
    emb(nt.tensor([[2, 2, 1]])).sum().backward()
    grad = emb.weight.grad.numpy()
    assert not grad[2].any()
    np.testing.assert_array_equal(grad[1], np.ones(4))


def test_repeated_indices_accumulate() -> None:
    emb = nn.Embedding(3, 2)
    emb(nt.tensor([0, 0, 0, 2])).sum().backward()
    np.testing.assert_array_equal(emb.weight.grad.numpy(), [[3, 3], [0, 0], [1, 1]])


def test_max_norm_renormalises_rows_like_torch() -> None:
    torch = pytest.importorskip("torch")
    ours = nn.Embedding(5, 3, max_norm=0.5)
    theirs = torch.nn.Embedding(5, 3, max_norm=0.5)
    copy_weights(theirs, ours)
    idx = np.array([0, 2, 2])
    out = ours(nt.tensor(idx))
    expected = theirs(torch.tensor(idx))
    np.testing.assert_allclose(out.detach().numpy(), expected.detach().numpy(), atol=1e-6)
    np.testing.assert_allclose(
        ours.weight.detach().numpy(), theirs.weight.detach().numpy(), atol=1e-6
    )


def test_default_init_is_standard_normal() -> None:
    w = nn.Embedding(200, 50).weight.detach().numpy()
    assert abs(w.mean()) < 0.05 and abs(w.std() - 1) < 0.05


def test_from_pretrained_and_repr() -> None:
    torch = pytest.importorskip("torch")
    table = np.arange(12.0).reshape(4, 3)
    emb = nn.Embedding.from_pretrained(nt.tensor(table))
    assert not emb.weight.requires_grad
    np.testing.assert_array_equal(emb(nt.tensor([3])).numpy(), table[[3]])
    trainable = nn.Embedding.from_pretrained(nt.tensor(table), freeze=False, padding_idx=1)
    assert trainable.weight.requires_grad
    assert repr(trainable) == repr(
        torch.nn.Embedding.from_pretrained(torch.tensor(table), freeze=False, padding_idx=1)
    )
    assert repr(nn.Embedding(10, 3, max_norm=1.0, scale_grad_by_freq=True)) == repr(
        torch.nn.Embedding(10, 3, max_norm=1.0, scale_grad_by_freq=True)
    )


def test_gradcheck_weight() -> None:
    w = nt.randn(5, 3, dtype=nt.float64, requires_grad=True)
    idx = nt.tensor(INDICES)
    # plain lookup only: padding_idx and scale_grad_by_freq change the gradient on purpose
    assert nt.autograd.gradcheck(lambda t: F.embedding(idx, t), (w,))
    assert nt.autograd.gradgradcheck(lambda t: F.embedding(idx, t).tanh(), (w,))


@pytest.mark.parametrize(
    ("indices", "error", "message"),
    [
        (nt.tensor([0, 5]), IndexError, "index out of range"),
        (nt.tensor([-1]), IndexError, "index out of range"),
        (nt.tensor([0.0, 1.0]), TypeError, "integer indices"),
    ],
)
def test_bad_indices(indices, error, message) -> None:
    with pytest.raises(error, match=message):
        nn.Embedding(5, 2)(indices)


def test_bad_constructor_arguments() -> None:
    with pytest.raises(ValueError, match="Padding_idx must be within"):
        nn.Embedding(5, 2, padding_idx=5)
    with pytest.raises(ValueError, match="does not match"):
        nn.Embedding(5, 2, _weight=nt.zeros(4, 2))
    with pytest.raises(NotImplementedError, match="sparse"):
        nn.Embedding(5, 2, sparse=True)(nt.tensor([1]))


def test_one_hot_matches_torch() -> None:
    torch = pytest.importorskip("torch")
    idx = np.array([[0, 3], [1, 1]])
    np.testing.assert_array_equal(
        F.one_hot(nt.tensor(idx), 5).numpy(), torch.nn.functional.one_hot(torch.tensor(idx), 5)
    )
    assert F.one_hot(nt.tensor(idx)).shape == (2, 2, 4)


def test_embedding_on_device(device: str) -> None:
    emb = nn.Embedding(5, 3).to(device)
    emb(nt.tensor([1, 1], device=device)).sum().backward()
    assert emb.weight.grad.device == emb.weight.device
