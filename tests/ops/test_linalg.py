"""matmul and friends: 1-D, 2-D and batched broadcasting cases."""

from __future__ import annotations

import pytest

import nettrain as nt
from tests.helpers.opcheck import Case, check_against_torch, check_gradcheck, params

MATMUL_SHAPES = [
    ((3, 4), (4, 2)),  # 2-D
    ((4,), (4,)),  # 1-D . 1-D -> scalar
    ((4,), (4, 2)),  # 1-D @ 2-D
    ((3, 4), (4,)),  # 2-D @ 1-D
    ((2, 3, 4), (4, 2)),  # batched @ 2-D
    ((3, 4), (2, 4, 2)),  # 2-D @ batched
    ((2, 1, 3, 4), (3, 4, 2)),  # broadcast batch dims
    ((4,), (2, 4, 3)),  # 1-D @ batched
    ((2, 3, 4), (4,)),  # batched @ 1-D
]

CASES = [
    Case("matmul", lambda L, a, b: L.matmul(a, b), MATMUL_SHAPES),
    Case("matmul_operator", lambda L, a, b: a @ b, MATMUL_SHAPES[:3]),
    Case("mm", lambda L, a, b: L.mm(a, b), [((3, 4), (4, 2))]),
    Case("bmm", lambda L, a, b: a.bmm(b), [((2, 3, 4), (2, 4, 2))]),
    Case("dot", lambda L, a, b: L.dot(a, b), [((5,), (5,))]),
    Case("matmul_same_input", lambda L, a: a @ a.T, [((3, 4),)]),
]


@pytest.mark.parametrize("case", params(CASES))
def test_gradcheck(case: Case) -> None:
    check_gradcheck(case)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("case", params(CASES))
def test_matches_torch(case: Case, dtype: str, device: str) -> None:
    check_against_torch(case, dtype, device)


@pytest.mark.parametrize(("a", "b"), [((3, 4), (5, 2)), ((4,), (5,)), ((2, 3, 4), (3, 4, 2))])
def test_mismatched_shapes_raise(a: tuple, b: tuple) -> None:
    with pytest.raises((RuntimeError, ValueError)):
        nt.ones(*a) @ nt.ones(*b)


def test_mm_rejects_non_2d() -> None:
    with pytest.raises(RuntimeError, match="2-D"):
        nt.mm(nt.ones(3), nt.ones(3, 2))


def test_int_matmul_keeps_int64() -> None:
    out = nt.tensor([[1, 2]]) @ nt.tensor([[3], [4]])
    assert out.dtype == nt.int64 and out.item() == 11
