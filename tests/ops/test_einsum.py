"""einsum: equations (explicit, implicit, '...', diagonals), gradcheck in float64 including
double backward, PyTorch as oracle, and errors."""

from __future__ import annotations

import numpy as np
import pytest

import nettrain as nt
from nettrain.ops.einsum import normalize_equation
from tests.helpers.opcheck import Case, check_against_torch, check_gradcheck, params


def _eq(equation: str) -> object:
    return lambda L, *xs: L.einsum(equation, *xs)


CASES = [
    Case("matmul", _eq("ij,jk->ik"), [((2, 3), (3, 4))]),
    Case("batch_matmul", _eq("bij,bjk->bik"), [((2, 3, 4), (2, 4, 5))]),
    Case("attention_scores", _eq("bhqd,bhkd->bhqk"), [((2, 2, 3, 4), (2, 2, 5, 4))]),
    Case("implicit_matmul", _eq("ij,jk"), [((2, 3), (3, 4))]),
    Case("implicit_transpose", _eq("ji"), [((2, 3),)]),
    Case("implicit_upper_first", _eq("bA,Ab"), [((2, 3), (3, 2))]),
    Case("trace", _eq("ii"), [((3, 3),)]),
    Case("diagonal", _eq("ii->i"), [((3, 3),)]),
    Case("batch_diagonal", _eq("bii->bi"), [((2, 3, 3),)]),
    Case("sum_all", _eq("ij->"), [((2, 3),)]),
    Case("row_sums", _eq("ij->i"), [((2, 3),)]),
    Case("outer", _eq("i,j->ij"), [((3,), (4,))]),
    Case("dot", _eq("i,i->"), [((4,), (4,))]),
    Case("three_operands", _eq("ij,jk,kl->il"), [((2, 3), (3, 4), (4, 2))]),
    Case("bilinear", _eq("bn,anm,bm->ba"), [((2, 3), (4, 3, 5), (2, 5))]),
    Case("ellipsis_matmul", _eq("...ij,...jk->...ik"), [((2, 3, 4), (2, 4, 5))]),
    Case("ellipsis_broadcast", _eq("...ij,jk"), [((5, 2, 3), (3, 4))]),
    Case("ellipsis_size_one", _eq("...ij,...jk->...ik"), [((1, 2, 3), (4, 3, 2))]),
    Case("ellipsis_summed", _eq("...ij->ij"), [((2, 3, 4),)]),
    Case("label_broadcast", _eq("ij,ij->ij"), [((2, 1), (1, 3))]),
    Case(
        "spaces_and_list", lambda L, a, b: L.einsum("i j , j k -> i k", [a, b]), [((2, 3), (3, 4))]
    ),
]


@pytest.mark.parametrize("case", params(CASES))
def test_gradcheck(case: Case) -> None:
    check_gradcheck(case)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("case", params(CASES))
def test_matches_torch(case: Case, dtype: str, device: str) -> None:
    check_against_torch(case, dtype, device)


@pytest.mark.parametrize("equation", ["bij,bjk->bik", "ii->i", "ij->", "i,j->ij"])
def test_double_backward(equation: str) -> None:
    shapes = {
        "bij,bjk->bik": [(2, 3, 4), (2, 4, 2)],
        "ii->i": [(3, 3)],
        "ij->": [(2, 3)],
        "i,j->ij": [(3,), (2,)],
    }[equation]
    rng = np.random.default_rng(0)
    inputs = [nt.tensor(rng.standard_normal(s), requires_grad=True) for s in shapes]
    # square the result so the second derivative is not identically zero
    assert nt.autograd.gradgradcheck(lambda *xs: nt.einsum(equation, *xs) ** 2, inputs)


def test_float32_stays_float32() -> None:
    a, b = nt.ones(2, 3), nt.ones(3, 4, requires_grad=True)
    out = nt.einsum("ij,jk->ik", a, b)
    out.sum().backward()
    assert out.dtype == nt.float32 and b.grad.dtype == nt.float32


def test_normalize_equation_spells_out_the_implicit_output() -> None:
    assert normalize_equation("...ij,jk", [(5, 2, 3), (3, 4)]) == "Aij,jk->Aik"
    assert normalize_equation("ba,ab", [(2, 3), (3, 2)]) == "ba,ab->"
    assert normalize_equation("ij,jk", [(2, 3), (3, 4)]) == "ij,jk->ik"


@pytest.mark.parametrize(
    ("fn", "match"),
    [
        (lambda: nt.einsum("ij,jk->ik", nt.ones(2, 3)), "fewer operands"),
        (lambda: nt.einsum("ij->ij", nt.ones(2, 3), nt.ones(2)), "more operands"),
        (lambda: nt.einsum("ij->ik", nt.ones(2, 3)), "output subscript k does not appear"),
        (lambda: nt.einsum("ij->", nt.ones(2, 3, 4)), "does not match the number of dim"),
        (lambda: nt.einsum("ij->ii", nt.ones(2, 2)), "appears more than once"),
        (lambda: nt.einsum("i1->i", nt.ones(2, 2)), "invalid subscript"),
        (lambda: nt.einsum("ij,jk", nt.ones(2, 3), nt.ones(4, 2)), "subscript j has size"),
        (lambda: nt.einsum("ij,jk", nt.ones(2, 3), nt.ones(3, 2, dtype=nt.float64)), "dtype"),
        (lambda: nt.einsum(nt.ones(2), [0]), "sublist format"),
    ],
)
def test_bad_equations_raise_clear_errors(fn: object, match: str) -> None:
    with pytest.raises((RuntimeError, NotImplementedError), match=match):
        fn()
