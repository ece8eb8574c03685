"""Tensor basics: repr, conversions, metadata, in-place ops with and without grad,
dtype preservation through every op."""

from __future__ import annotations

import numpy as np
import pytest

import nettrain as nt

torch_or_skip = pytest.importorskip

# -- repr ---------------------------------------------------------------------------------

REPRS = [
    lambda L: L.tensor([1.0, 2.0]),
    lambda L: L.tensor([[0.1257, -0.1321], [1.3, 100.5]]),
    lambda L: L.tensor(3.5),
    lambda L: L.tensor([1, 2, 3]),
    lambda L: L.tensor([True, False]),
    lambda L: L.tensor([1.0, 2.0], dtype=L.float64),
    lambda L: L.tensor([1.0], requires_grad=True) * 2,
    lambda L: L.ones(2, 3, requires_grad=True),
    lambda L: L.tensor([1e-5, 1.0]),
    lambda L: L.tensor([1e10, 1.0]),
    lambda L: L.zeros(0),
    lambda L: L.zeros(2, 0),
    lambda L: L.tensor([1.5, float("nan"), float("inf")]),
    lambda L: L.tensor([-1.0, 2.0]),
    lambda L: L.tensor([[1, -2], [30, 4]], dtype=L.int32),
    lambda L: L.tensor(2, dtype=L.float16),
    lambda L: L.tensor([[1.0, 2.5], [-3.25, 4.0]]),
    lambda L: L.zeros(3),
]


@pytest.mark.parametrize("index", range(len(REPRS)))
def test_repr_matches_torch(index: int) -> None:
    torch = pytest.importorskip("torch")
    ours = repr(REPRS[index](nt))
    theirs = repr(REPRS[index](torch)).replace("torch.", "nettrain.")
    assert ours == theirs


def test_grad_fn_repr() -> None:
    x = nt.ones(2, requires_grad=True)
    assert repr((x * 2).grad_fn) == "<MulBackward0>"
    assert repr((x + x).sum().grad_fn) == "<SumBackward0>"


# -- conversions --------------------------------------------------------------------------


def test_numpy_shares_memory_and_refuses_with_grad() -> None:
    x = nt.zeros(3)
    a = x.numpy()
    a[0] = 5.0
    assert x[0].item() == 5.0
    with pytest.raises(RuntimeError, match=r"detach\(\)\.numpy\(\)"):
        nt.ones(2, requires_grad=True).numpy()


def test_item_and_tolist_give_python_values() -> None:
    assert type(nt.tensor(2.5).item()) is float
    assert type(nt.tensor([7]).item()) is int
    assert type(nt.tensor(True).item()) is bool
    assert nt.tensor([[1, 2], [3, 4]]).tolist() == [[1, 2], [3, 4]]
    assert type(nt.tensor([1.5]).tolist()[0]) is float
    with pytest.raises(RuntimeError, match="2 elements"):
        nt.ones(2).item()


def test_to_and_cpu() -> None:
    x = nt.ones(2, 3)
    assert x.cpu() is x
    assert x.to("cpu") is x
    assert x.to(nt.float32) is x
    assert x.to(nt.float64).dtype == nt.float64
    assert x.to(dtype=nt.int32).dtype == nt.int32
    assert x.to("cpu", nt.float16).dtype == nt.float16
    assert x.to(nt.zeros(1, dtype=nt.float64)).dtype == nt.float64
    assert x.double().dtype == nt.float64 and x.long().dtype == nt.int64
    assert x.int().dtype == nt.int32 and x.bool().dtype == nt.bool and x.half().dtype == nt.float16
    assert x.float() is x


def test_to_is_differentiable() -> None:
    x = nt.ones(2, requires_grad=True)
    y = x.to(nt.float64)
    assert y.requires_grad
    (y * 3).sum().backward()
    assert x.grad.dtype == nt.float32 and x.grad.tolist() == [3.0, 3.0]


def test_python_number_conversions() -> None:
    assert float(nt.tensor(1.5)) == 1.5
    assert int(nt.tensor(3)) == 3
    assert bool(nt.tensor(1.0)) is True
    assert [1, 2, 3][nt.tensor(1)] == 2
    with pytest.raises(RuntimeError, match="ambiguous"):
        bool(nt.ones(2))


def test_metadata() -> None:
    x = nt.zeros(2, 3, 4)
    assert x.shape == (2, 3, 4) and x.size() == (2, 3, 4) and x.size(-1) == 4
    assert x.ndim == x.dim() == 3 and x.numel() == 24 and len(x) == 2
    assert x.dtype == nt.float32 and x.device == nt.device("cpu") and not x.is_cuda
    assert x.element_size() == 4 and x.is_leaf and x.is_floating_point()
    assert [t.shape for t in nt.zeros(2, 3)] == [(3,), (3,)]


def test_integer_tensor_cannot_require_grad() -> None:
    with pytest.raises(RuntimeError, match="floating point"):
        nt.tensor([1, 2], requires_grad=True)
    with pytest.raises(RuntimeError, match="floating point"):
        nt.zeros(2, dtype=nt.int64).requires_grad_()
    with pytest.raises(RuntimeError, match="floating point"):
        nt.ones(2, dtype=nt.bool, requires_grad=True)


def test_requires_grad_only_changes_on_leaves() -> None:
    y = nt.ones(2, requires_grad=True) * 2
    with pytest.raises(RuntimeError, match="leaf"):
        y.requires_grad_(False)


# -- in-place ops -------------------------------------------------------------------------

INPLACE = {
    "add_": lambda t, o: t.add_(o),
    "add_alpha": lambda t, o: t.add_(o, alpha=0.5),
    "sub_": lambda t, o: t.sub_(o),
    "mul_": lambda t, o: t.mul_(o),
    "div_": lambda t, o: t.div_(o * o + 1.0),
    "iadd": lambda t, o: t.__iadd__(o),
    "imul": lambda t, o: t.__imul__(o),
    "clamp_": lambda t, o: t.clamp_(-0.5, 0.5),
    "zero_": lambda t, o: t.zero_(),
    "fill_": lambda t, o: t.fill_(2.5),
    "pow_": lambda t, o: t.pow_(2),
    "neg_": lambda t, o: t.neg_(),
    "copy_": lambda t, o: t.copy_(o * 3),
    "masked_fill_": lambda t, o: t.masked_fill_(o > 0, 1.5),
}


@pytest.mark.parametrize("name", sorted(INPLACE))
def test_in_place_ops_match_torch_values_and_gradients(name: str) -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((2, 3)), rng.standard_normal((3,))
    results = []
    for lib in (nt, torch):
        x = lib.tensor(a, requires_grad=True)
        o = lib.tensor(b, requires_grad=True)
        t = x * 1.0
        out = INPLACE[name](t, o)
        assert out is t
        assert t._version >= 1
        (t * t).sum().backward()
        grads = [None if v.grad is None else v.grad.numpy() for v in (x, o)]
        results.append((t.detach().numpy().copy(), grads))
    np.testing.assert_allclose(results[0][0], results[1][0], rtol=1e-12)
    for ours, theirs in zip(results[0][1], results[1][1]):
        if theirs is None:
            assert ours is None or not np.any(ours)
        else:
            np.testing.assert_allclose(ours, theirs, rtol=1e-10)


@pytest.mark.parametrize("name", sorted(INPLACE))
def test_in_place_ops_without_grad_keep_memory_and_dtype(name: str) -> None:
    x = nt.randn(2, 3)
    memory = x._data
    INPLACE[name](x, nt.randn(3))
    assert x._data is memory and x.dtype == nt.float32


def test_random_in_place_fills() -> None:
    x = nt.empty(1000)
    assert x.uniform_(2.0, 3.0) is x
    values = x.numpy()
    assert values.min() >= 2.0 and values.max() < 3.0 and x.dtype == nt.float32
    x.normal_(5.0, 0.1)
    assert abs(float(values.mean()) - 5.0) < 0.05 and 0.05 < float(values.std()) < 0.15
    nt.manual_seed(3)
    first = nt.empty(4).uniform_().tolist()
    nt.manual_seed(3)
    assert nt.empty(4).uniform_().tolist() == first
    with pytest.raises(RuntimeError, match="leaf Variable"):
        nt.empty(2, requires_grad=True).normal_()


# -- dtype preservation -------------------------------------------------------------------

ALL_OPS = {
    "add_scalar": lambda x: x + 2.5,
    "radd_int": lambda x: 3 + x,
    "mul_scalar": lambda x: x * 1e-3,
    "div_scalar": lambda x: x / 7,
    "rdiv": lambda x: 1.0 / (x * x + 1.0),
    "pow": lambda x: x**2.0,
    "rpow": lambda x: 2.0**x,
    "add_f64_0d": lambda x: x + nt.tensor(2.0, dtype=nt.float64),
    "mul_f64_0d": lambda x: nt.tensor(0.5, dtype=nt.float64) * x,
    "add_int_tensor": lambda x: x + nt.tensor([1, 2, 3]),
    "maximum_scalar_tensor": lambda x: nt.maximum(x, nt.tensor(0.0, dtype=nt.float64)),
    "exp": lambda x: x.exp(),
    "log": lambda x: (x * x + 1.0).log(),
    "sqrt": lambda x: (x * x).sqrt(),
    "tanh": lambda x: x.tanh(),
    "sigmoid": lambda x: x.sigmoid(),
    "relu": lambda x: x.relu(),
    "clamp": lambda x: x.clamp(-0.1, 0.1),
    "sum": lambda x: x.sum(),
    "mean": lambda x: x.mean(0),
    "var": lambda x: x.var(),
    "std": lambda x: x.std(0),
    "logsumexp": lambda x: x.logsumexp(0),
    "prod": lambda x: x.prod(),
    "amax": lambda x: x.amax(),
    "matmul": lambda x: x @ x,
    "where": lambda x: nt.where(x > 0, x, 0.0),
    "getitem": lambda x: x[[0, 2]],
    "cat": lambda x: nt.cat([x, x]),
}


@pytest.mark.parametrize("name", sorted(ALL_OPS))
def test_float32_stays_float32(name: str) -> None:
    x = nt.tensor([0.5, -1.5, 2.0], requires_grad=True)
    out = ALL_OPS[name](x)
    assert out.dtype == nt.float32
    assert out._data.dtype == np.float32
    out.sum().backward()
    assert x.grad.dtype == nt.float32


def test_float64_stays_float64() -> None:
    x = nt.tensor([0.5, -1.5, 2.0], dtype=nt.float64, requires_grad=True)
    out = (x * 2.5 + 1).exp().sum()
    assert out.dtype == nt.float64
    out.backward()
    assert x.grad.dtype == nt.float64


def test_float32_gradient_of_float64_mix_is_float32() -> None:
    x = nt.ones(3, requires_grad=True)
    w = nt.ones(3, dtype=nt.float64, requires_grad=True)
    out = x * w  # a 1-D float64 tensor does promote, as in PyTorch
    assert out.dtype == nt.float64
    out.sum().backward()
    assert x.grad.dtype == nt.float32 and w.grad.dtype == nt.float64


def test_view_follows_pytorchs_stride_rule() -> None:
    """A slice along the last dimension can be viewed with that dimension split (as
    nanoGPT does with q, k, v); a transposed tensor cannot be flattened by view."""
    torch = pytest.importorskip("torch")
    x = nt.randn(2, 3, 12)
    _, k, _ = x.split(4, dim=2)
    assert k.view(2, 3, 2, 2).shape == torch.randn(2, 3, 12).split(4, 2)[1].view(2, 3, 2, 2).shape
    with pytest.raises(RuntimeError, match="view size is not compatible"):
        x.transpose(1, 2).view(2, 36)
