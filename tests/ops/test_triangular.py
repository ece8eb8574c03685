"""tril, triu, diag, diagonal: gradcheck in float64, PyTorch as oracle, in-place forms."""

from __future__ import annotations

import numpy as np
import pytest

import nettrain as nt
from tests.helpers.opcheck import Case, check_against_torch, check_gradcheck, params

CASES = [
    Case("tril", lambda L, x: L.tril(x), [((4, 4),)]),
    Case("tril_offset_wide", lambda L, x: L.tril(x, 1), [((3, 5),)]),
    Case("tril_negative_batched", lambda L, x: x.tril(-1), [((2, 3, 4),)]),
    Case("triu", lambda L, x: L.triu(x), [((4, 4),)]),
    Case("triu_offset_tall", lambda L, x: x.triu(diagonal=1), [((5, 3),)]),
    Case("triu_negative", lambda L, x: L.triu(x, -2), [((2, 4, 4),)]),
    Case("diag_vector", lambda L, x: L.diag(x), [((3,),)]),
    Case("diag_vector_offset", lambda L, x: L.diag(x, -1), [((3,),)]),
    Case("diag_matrix", lambda L, x: x.diag(), [((3, 4),)]),
    Case("diag_matrix_offset", lambda L, x: L.diag(x, 2), [((3, 4),)]),
    Case("diagonal", lambda L, x: L.diagonal(x), [((3, 4),)]),
    Case("diagonal_dims", lambda L, x: x.diagonal(0, 1, 2), [((2, 3, 4),)]),
    Case("diagonal_offset_neg_dims", lambda L, x: L.diagonal(x, -1, -1, 0), [((3, 2, 4),)]),
]


@pytest.mark.parametrize("case", params(CASES))
def test_gradcheck(case: Case) -> None:
    check_gradcheck(case)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("case", params(CASES))
def test_matches_torch(case: Case, dtype: str, device: str) -> None:
    check_against_torch(case, dtype, device)


def test_triu_of_bool_stays_bool_like_torch() -> None:
    torch = pytest.importorskip("torch")
    ours = nt.triu(nt.ones(3, 3) == 1).transpose(0, 1)
    theirs = torch.triu(torch.ones(3, 3) == 1).transpose(0, 1)
    assert ours.dtype == nt.bool and ours.tolist() == theirs.tolist()


def test_causal_mask_as_in_gpt_code() -> None:
    torch = pytest.importorskip("torch")
    scores = [[0.5, 1.0, -1.0], [2.0, 0.0, 1.0], [1.0, 1.0, 1.0]]
    results = []
    for lib in (nt, torch):
        bias = lib.tril(lib.ones(3, 3)).view(1, 1, 3, 3)
        att = lib.tensor(scores).view(1, 1, 3, 3).masked_fill(bias == 0, float("-inf"))
        results.append(np.asarray(lib.softmax(att, dim=-1).tolist()))
    np.testing.assert_allclose(results[0], results[1], rtol=1e-6)


def test_in_place_forms() -> None:
    x = nt.ones(3, 3)
    assert x.tril_() is x and x.sum().item() == 6.0
    y = nt.ones(2, 3)
    y.triu_(1)
    assert y.tolist() == [[0.0, 1.0, 1.0], [0.0, 0.0, 1.0]]


@pytest.mark.parametrize(
    ("fn", "match"),
    [
        (lambda: nt.tril(nt.ones(3)), "at least 2 dimensions"),
        (lambda: nt.triu(nt.ones(())), "at least 2 dimensions"),
        (lambda: nt.diag(nt.ones(2, 2, 2)), "1D or 2D"),
        (lambda: nt.diagonal(nt.ones(2, 2), 0, 1, 1), "cannot be identical"),
    ],
)
def test_bad_arguments_raise_clear_errors(fn: object, match: str) -> None:
    with pytest.raises(RuntimeError, match=match):
        fn()
