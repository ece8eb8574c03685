"""roll, repeat_interleave (and the existing flip, clone, numel): gradcheck in float64,
PyTorch as oracle, errors."""

from __future__ import annotations

import pytest

import nettrain as nt
from tests.helpers.opcheck import Case, check_against_torch, check_gradcheck, params

CASES = [
    Case("roll_flat", lambda L, x: L.roll(x, 2), [((3, 4),)]),
    Case("roll_dim", lambda L, x: L.roll(x, -1, 1), [((3, 4),)]),
    Case("roll_dims", lambda L, x: x.roll((1, -2), (0, 1)), [((3, 4),)]),
    Case("roll_big_shift", lambda L, x: x.roll(7, dims=-1), [((2, 3),)]),
    Case("roll_no_op", lambda L, x: L.roll(x, 3, 1) * 2.0, [((2, 3),)]),
    Case("repeat_interleave_int", lambda L, x: L.repeat_interleave(x, 2), [((2, 3),)]),
    Case("repeat_interleave_dim", lambda L, x: x.repeat_interleave(3, dim=1), [((2, 2),)]),
    Case(
        "repeat_interleave_tensor",
        lambda L, x: L.repeat_interleave(x, L.tensor([1, 0, 2]), dim=0),
        [((3, 2),)],
    ),
    Case(
        "repeat_interleave_kv_heads", lambda L, x: x.repeat_interleave(2, dim=1), [((2, 2, 3, 4),)]
    ),
    Case("flip", lambda L, x: L.flip(x, [0, 2]), [((2, 3, 4),)]),
    Case("flip_method", lambda L, x: x.flip(-1), [((2, 3),)]),
    Case("clone_method", lambda L, x: x.clone() * x, [((2, 3),)]),
]


@pytest.mark.parametrize("case", params(CASES))
def test_gradcheck(case: Case) -> None:
    check_gradcheck(case)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("case", params(CASES))
def test_matches_torch(case: Case, dtype: str, device: str) -> None:
    check_against_torch(case, dtype, device)


def test_repeat_interleave_of_counts_alone_matches_torch() -> None:
    torch = pytest.importorskip("torch")
    ours = nt.repeat_interleave(nt.tensor([2, 0, 3]))
    assert ours.tolist() == torch.repeat_interleave(torch.tensor([2, 0, 3])).tolist()
    assert ours.dtype == nt.int64


def test_roll_of_integers_keeps_dtype() -> None:
    out = nt.arange(6).view(2, 3).roll(1)
    assert out.dtype == nt.int64 and out.tolist() == [[5, 0, 1], [2, 3, 4]]


def test_numel_function_and_method() -> None:
    x = nt.zeros(2, 3, 4)
    assert nt.numel(x) == x.numel() == 24


def test_bad_arguments_raise_clear_errors() -> None:
    with pytest.raises(RuntimeError, match="shifts and dimensions must align"):
        nt.roll(nt.ones(2, 3), (1, 1))
    with pytest.raises(RuntimeError, match="shifts and dimensions must align"):
        nt.roll(nt.ones(2, 3), (1, 1), 0)
    with pytest.raises(RuntimeError, match="repeats must have the same size"):
        nt.repeat_interleave(nt.ones(3), nt.tensor([1, 2]))
