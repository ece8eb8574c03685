"""sort, argsort, topk: gradcheck in float64, PyTorch as oracle, ties, errors."""

from __future__ import annotations

import numpy as np
import pytest

import nettrain as nt
from tests.helpers.opcheck import Case, check_against_torch, check_gradcheck, params

M = [((3, 5),)]
B = [((2, 3, 4),)]

CASES = [
    Case("sort_values", lambda L, x: L.sort(x)[0], M, domain="distinct"),
    Case("sort_dim0_desc", lambda L, x: L.sort(x, 0, descending=True).values, M, "distinct"),
    Case("sort_method_3d", lambda L, x: x.sort(dim=1).values * 2.0, B, domain="distinct"),
    Case("sort_1d", lambda L, x: L.sort(x, stable=True).values, [((6,),)], domain="distinct"),
    Case("topk", lambda L, x: L.topk(x, 2).values, M, domain="distinct"),
    Case("topk_smallest_dim0", lambda L, x: x.topk(2, 0, largest=False)[0], M, "distinct"),
    Case("topk_method_3d", lambda L, x: x.topk(3, dim=-1).values, B, domain="distinct"),
]

INDEX_CASES = [
    Case("sort_indices", lambda L, x: L.sort(x, -1).indices, M, "distinct", grad=False),
    Case("argsort", lambda L, x: L.argsort(x, dim=0), M, "distinct", grad=False),
    Case("argsort_desc", lambda L, x: x.argsort(descending=True), B, "distinct", grad=False),
    Case("topk_indices", lambda L, x: L.topk(x, 3, dim=1)[1], M, "distinct", grad=False),
]


@pytest.mark.parametrize("case", params(CASES))
def test_gradcheck(case: Case) -> None:
    check_gradcheck(case)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("case", params(CASES + INDEX_CASES))
def test_matches_torch(case: Case, dtype: str, device: str) -> None:
    check_against_torch(case, dtype, device)


@pytest.mark.parametrize("descending", [False, True])
def test_stable_sort_orders_ties_like_torch(descending: bool, device: str) -> None:
    torch = pytest.importorskip("torch")
    values = np.array([[2, 1, 2, 0, 1, 2, 0, 1], [5, 5, 5, 5, 1, 1, 1, 1]], dtype=np.float32)
    ours = nt.tensor(values, device=device).sort(dim=1, descending=descending, stable=True)
    theirs = torch.tensor(values).sort(dim=1, descending=descending, stable=True)
    assert ours.indices.tolist() == theirs.indices.tolist()
    assert ours.values.tolist() == theirs.values.tolist()
    assert nt.argsort(nt.tensor(values), 1, descending, stable=True).tolist() == (
        theirs.indices.tolist()
    )


def test_sort_puts_nan_where_torch_does() -> None:
    torch = pytest.importorskip("torch")
    values = [1.0, float("nan"), 0.0, 3.0]
    for descending in (False, True):
        ours = nt.sort(nt.tensor(values), descending=descending)
        theirs = torch.sort(torch.tensor(values), descending=descending)
        assert ours.indices.tolist() == theirs.indices.tolist()


def test_sort_keeps_dtype_and_integers() -> None:
    x = nt.tensor([[3, 1, 2]], dtype=nt.int32)
    values, indices = nt.sort(x)
    assert values.dtype == nt.int32 and indices.dtype == nt.int64
    assert values.tolist() == [[1, 2, 3]] and indices.tolist() == [[1, 2, 0]]


def test_sort_and_topk_return_named_tuples() -> None:
    result = nt.topk(nt.tensor([1.0, 4.0, 2.0]), 2)
    assert type(result).__name__ == "topk" and result._fields == ("values", "indices")
    assert type(nt.sort(nt.tensor([1.0]))).__name__ == "sort"


def test_topk_gradient_reaches_the_chosen_positions() -> None:
    x = nt.tensor([1.0, 5.0, 3.0, 4.0], requires_grad=True)
    x.topk(2).values.sum().backward()
    assert x.grad.tolist() == [0.0, 1.0, 0.0, 1.0]


@pytest.mark.parametrize(
    ("fn", "match"),
    [
        (lambda: nt.topk(nt.ones(3), 4), "selected index k out of range"),
        (lambda: nt.topk(nt.ones(3), -1), "selected index k out of range"),
        (lambda: nt.sort(nt.ones(2, 3), dim=2), "Dimension out of range"),
        (lambda: nt.argsort(nt.ones(2, 3), dim=-3), "Dimension out of range"),
    ],
)
def test_bad_arguments_raise_clear_errors(fn: object, match: str) -> None:
    with pytest.raises((RuntimeError, IndexError), match=match):
        fn()
