"""Reductions with and without ``dim`` (int or tuple) and ``keepdim``.

gradcheck in float64 and PyTorch as oracle in float32/float64, plus hypothesis property
tests over shapes and reduced dimensions.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import nettrain as nt
from tests.helpers.opcheck import Case, check_against_torch, check_gradcheck, params

S = [((2, 3, 4),)]
S2 = [((3, 4),), ((2, 3, 2),)]


def cases() -> list[Case]:
    out = []
    for keep in (False, True):
        k = "_keep" if keep else ""
        out += [
            Case(f"sum_dim1{k}", lambda L, x, kd=keep: L.sum(x, 1, keepdim=kd), S),
            Case(f"sum_tuple{k}", lambda L, x, kd=keep: x.sum(dim=(0, 2), keepdim=kd), S),
            Case(f"sum_neg{k}", lambda L, x, kd=keep: x.sum(-1, keepdim=kd), S),
            Case(f"mean_dim{k}", lambda L, x, kd=keep: L.mean(x, 0, keepdim=kd), S),
            Case(f"mean_tuple{k}", lambda L, x, kd=keep: x.mean((1, -1), keepdim=kd), S),
            Case(
                f"max_dim{k}",
                lambda L, x, kd=keep: L.max(x, 1, keepdim=kd).values,
                S,
                domain="distinct",
            ),
            Case(
                f"min_dim{k}",
                lambda L, x, kd=keep: x.min(dim=2, keepdim=kd)[0],
                S,
                domain="distinct",
            ),
            Case(f"amax{k}", lambda L, x, kd=keep: L.amax(x, (0, 2), keepdim=kd), S, "distinct"),
            Case(f"amin{k}", lambda L, x, kd=keep: x.amin(1, keepdim=kd), S, "distinct"),
            Case(f"var{k}", lambda L, x, kd=keep: L.var(x, 1, keepdim=kd), S),
            Case(f"var_tuple{k}", lambda L, x, kd=keep: x.var((0, 2), keepdim=kd), S),
            Case(f"var_biased{k}", lambda L, x, kd=keep: x.var(1, unbiased=False, keepdim=kd), S),
            Case(f"var_correction{k}", lambda L, x, kd=keep: x.var(2, correction=0, keepdim=kd), S),
            Case(f"std{k}", lambda L, x, kd=keep: L.std(x, 2, keepdim=kd), S),
            Case(f"std_tuple{k}", lambda L, x, kd=keep: x.std((0, 1), keepdim=kd), S),
            Case(f"logsumexp{k}", lambda L, x, kd=keep: L.logsumexp(x, 1, keepdim=kd), S),
            Case(f"logsumexp_tuple{k}", lambda L, x, kd=keep: x.logsumexp((0, 2), kd), S),
            Case(f"prod_dim{k}", lambda L, x, kd=keep: L.prod(x, 1, keepdim=kd), S),
        ]
    out += [
        Case("sum_all", lambda L, x: L.sum(x), S2),
        Case("sum_method", lambda L, x: x.sum(), [((),), ((5,),)]),
        Case("mean_all", lambda L, x: x.mean(), S2),
        Case("max_all", lambda L, x: x.max(), S2, domain="distinct"),
        Case("min_all", lambda L, x: L.min(x), S2, domain="distinct"),
        Case("var_all", lambda L, x: x.var(), S2),
        Case("std_all", lambda L, x: L.std(x), S2),
        Case("prod_all", lambda L, x: L.prod(x), S2),
        Case("prod_with_zero", lambda L, x: (x * (x > 0.3)).prod(1), S2[:1]),
        Case("amax_all", lambda L, x: L.amax(x), S2, domain="distinct"),
        Case("max_ties", lambda L, x: L.max(L.round(x), 1).values, S2, gradcheck=False),
        Case("amax_ties", lambda L, x: L.amax(L.round(x), 1), S2, gradcheck=False),
    ]
    return out


CASES = cases()

INDICES = [
    Case(name, fn, S, domain="distinct", grad=False, gradcheck=False)
    for name, fn in [
        ("argmax", lambda L, x: L.argmax(x)),
        ("argmax_dim", lambda L, x: x.argmax(1)),
        ("argmax_keep", lambda L, x: L.argmax(x, dim=-1, keepdim=True)),
        ("argmin", lambda L, x: x.argmin()),
        ("argmin_dim", lambda L, x: L.argmin(x, 2)),
        ("max_indices", lambda L, x: L.max(x, 1).indices),
        ("min_indices_keep", lambda L, x: L.min(x, 0, keepdim=True).indices),
    ]
]


@pytest.mark.parametrize("case", params([c for c in CASES if c.gradcheck]))
def test_gradcheck(case: Case) -> None:
    check_gradcheck(case)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("case", params(CASES + INDICES))
def test_matches_torch(case: Case, dtype: str, device: str) -> None:
    check_against_torch(case, dtype, device)


def test_max_with_dim_returns_values_and_indices() -> None:
    x = nt.tensor([[1.0, 5.0, 2.0], [7.0, 0.0, 3.0]], requires_grad=True)
    values, indices = nt.max(x, dim=1)
    assert values.tolist() == [5.0, 7.0]
    assert indices.tolist() == [1, 0]
    assert indices.dtype == nt.int64 and not indices.requires_grad


def test_integer_sum_keeps_int64() -> None:
    torch = pytest.importorskip("torch")
    x = nt.tensor([[1, 2], [3, 4]])
    assert nt.sum(x).dtype == nt.int64
    assert nt.sum(x, dim=0).tolist() == torch.tensor([[1, 2], [3, 4]]).sum(0).tolist()


def test_mean_of_int_tensor_raises_or_floats() -> None:
    # PyTorch refuses mean on integers; nettrain must not silently truncate.
    x = nt.tensor([1, 2])
    try:
        out = x.mean()
    except (RuntimeError, TypeError):
        return
    assert out.item() == 1.5


def test_bad_dim_raises_index_error() -> None:
    with pytest.raises(IndexError, match="[Dd]imension out of range"):
        nt.ones(2, 3).sum(dim=2)


# -- property tests ---------------------------------------------------------------------


@st.composite
def shape_and_dims(draw: st.DrawFn) -> tuple[tuple[int, ...], tuple[int, ...], bool]:
    shape = tuple(draw(st.lists(st.integers(1, 3), min_size=1, max_size=4)))
    dims = draw(st.sets(st.integers(-len(shape), len(shape) - 1), max_size=len(shape)))
    dims = tuple(sorted({d % len(shape) for d in dims}))
    return shape, dims, draw(st.booleans())


REDUCTIONS = {
    "sum": lambda x, dims, keep: x.sum(dims, keepdim=keep),
    "mean": lambda x, dims, keep: x.mean(dims, keepdim=keep),
    "amax": lambda x, dims, keep: x.amax(dims, keepdim=keep),
    "logsumexp": lambda x, dims, keep: x.logsumexp(dims, keepdim=keep),
}


@settings(max_examples=25, deadline=None)
@given(spec=shape_and_dims(), name=st.sampled_from(sorted(REDUCTIONS)))
def test_reduction_property(spec: tuple, name: str) -> None:
    torch = pytest.importorskip("torch")
    shape, dims, keep = spec
    if not dims:  # an empty dim list means "all" in PyTorch only for some ops; skip it here
        dims = tuple(range(len(shape)))
    values = np.random.default_rng(0).standard_normal(shape)
    x, tx = nt.tensor(values, requires_grad=True), torch.tensor(values, requires_grad=True)
    out, ref = REDUCTIONS[name](x, dims, keep), REDUCTIONS[name](tx, dims, keep)
    assert out.shape == tuple(ref.shape)
    np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), rtol=1e-12)
    upstream = np.random.default_rng(1).standard_normal(tuple(ref.shape))
    out.backward(nt.tensor(upstream))
    ref.backward(torch.tensor(upstream))
    assert x.grad.shape == x.shape
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-10, atol=1e-12)


EDGES = {
    "std_constant": (lambda L, x: x.std(), [1.0, 1.0]),
    "std_constant_row": (lambda L, x: x.std(0), [[1.0, 2.0], [1.0, 3.0]]),
    "var_single_element": (lambda L, x: x.var(), [1.0]),
    "max_ties_all": (lambda L, x: x.max(), [1.0, 3.0, 3.0]),
    "min_ties_dim": (lambda L, x: x.min(0).values, [[1.0, 3.0], [1.0, 2.0]]),
    "prod_one_zero": (lambda L, x: x.prod(), [0.0, 2.0, 3.0]),
    "prod_two_zeros": (lambda L, x: x.prod(), [0.0, 2.0, 0.0]),
    "logsumexp_all_neg_inf": (lambda L, x: x.logsumexp(1), [[-np.inf, -np.inf], [1.0, 2.0]]),
    "logsumexp_large": (lambda L, x: x.logsumexp(0), [1000.0, 1000.0]),
    "sum_empty": (lambda L, x: x.sum(0), np.zeros((0, 2)).tolist()),
}


@pytest.mark.filterwarnings("ignore::RuntimeWarning", "ignore::UserWarning")
@pytest.mark.parametrize("name", sorted(EDGES))
def test_edge_values_match_torch(name: str) -> None:
    torch = pytest.importorskip("torch")
    fn, data = EDGES[name]
    results = []
    for lib in (nt, torch):
        x = lib.tensor(data, dtype=lib.float64, requires_grad=True)
        y = fn(lib, x)
        y.sum().backward()
        results.append((y.detach().numpy(), x.grad.numpy()))
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(ours, theirs, rtol=1e-10, equal_nan=True)


KEEPDIMS_CALLS = {
    "sum": lambda L, x: x.sum(1, keepdims=True),
    "sum_fn": lambda L, x: L.sum(x, 1, keepdims=True),
    "mean": lambda L, x: x.mean(0, keepdims=True),
    "mean_fn": lambda L, x: L.mean(x, (0, 1), keepdims=True),
    "amax": lambda L, x: x.amax(1, keepdims=True),
    "amin_fn": lambda L, x: L.amin(x, 0, keepdims=True),
    "max": lambda L, x: x.max(1, keepdims=True).values,
    "min_fn": lambda L, x: L.min(x, 0, keepdims=True).values,
    "prod": lambda L, x: x.prod(1, keepdims=True),
    "var": lambda L, x: x.var(1, keepdims=True),
    "std_fn": lambda L, x: L.std(x, 0, keepdims=True),
    "logsumexp": lambda L, x: x.logsumexp(1, keepdims=True),
    "argmax": lambda L, x: x.argmax(1, keepdims=True),
    "argmin_fn": lambda L, x: L.argmin(x, 0, keepdims=True),
    "all": lambda L, x: (x > 0).all(1, keepdims=True),
    "any_fn": lambda L, x: L.any(x > 0, 0, keepdims=True),
    "keepdims_false": lambda L, x: x.sum(1, keepdim=True, keepdims=False),
}


@pytest.mark.parametrize("name", list(KEEPDIMS_CALLS))
def test_keepdims_is_an_alias_of_keepdim(name: str) -> None:
    # PyTorch accepts numpy's ``keepdims`` spelling on its reductions
    torch = pytest.importorskip("torch")
    call = KEEPDIMS_CALLS[name]
    data = np.random.default_rng(3).standard_normal((3, 4))
    if name == "keepdims_false":  # torch rejects both spellings at once; ours: keepdims wins
        got = call(nt, nt.tensor(data))
        assert got.shape == (3,)
        return
    got = call(nt, nt.tensor(data))
    expected = call(torch, torch.tensor(data))
    assert tuple(got.shape) == tuple(expected.shape)
    np.testing.assert_allclose(got.numpy(), expected.numpy(), rtol=1e-12)


@pytest.mark.parametrize("fn", ["max", "min"])
def test_max_min_indices_carry_no_graph(fn: str) -> None:
    torch = pytest.importorskip("torch")
    data = np.random.default_rng(4).standard_normal((3, 4))
    ours = getattr(nt, fn)(nt.tensor(data, requires_grad=True), 1)
    theirs = getattr(torch, fn)(torch.tensor(data, requires_grad=True), 1)
    assert (ours.indices.grad_fn is None) == (theirs.indices.grad_fn is None) is True
    assert ours.indices.requires_grad is theirs.indices.requires_grad is False
    assert ours.values.grad_fn is not None and theirs.values.grad_fn is not None
    np.testing.assert_array_equal(ours.indices.numpy(), theirs.indices.numpy())
