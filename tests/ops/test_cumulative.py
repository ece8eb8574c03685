"""cumsum and cumprod: gradcheck in float64 (double backward for cumsum), PyTorch as oracle,
zeros in cumprod, integer dtypes."""

from __future__ import annotations

import numpy as np
import pytest

import nettrain as nt
from tests.helpers.opcheck import Case, check_against_torch, check_gradcheck, params

CASES = [
    Case("cumsum_dim1", lambda L, x: L.cumsum(x, 1), [((3, 4),)]),
    Case("cumsum_dim0_method", lambda L, x: x.cumsum(0), [((3, 4),)]),
    Case("cumsum_neg_3d", lambda L, x: x.cumsum(dim=-2), [((2, 3, 4),)]),
    Case("cumsum_1d", lambda L, x: L.cumsum(x, 0), [((5,),)]),
    Case("cumprod_dim1", lambda L, x: L.cumprod(x, 1), [((3, 4),)], domain="nonzero"),
    Case("cumprod_method", lambda L, x: x.cumprod(dim=0), [((3, 4),)], domain="nonzero"),
    Case("cumprod_3d", lambda L, x: L.cumprod(x, -1), [((2, 2, 5),)], domain="nonzero"),
]


@pytest.mark.parametrize("case", params(CASES))
def test_gradcheck(case: Case) -> None:
    check_gradcheck(case)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("case", params(CASES))
def test_matches_torch(case: Case, dtype: str, device: str) -> None:
    check_against_torch(case, dtype, device)


def test_cumsum_double_backward() -> None:
    x = nt.tensor(np.random.default_rng(0).standard_normal((3, 4)), requires_grad=True)
    assert nt.autograd.gradgradcheck(lambda t: nt.cumsum(t, 1) ** 2, [x])


@pytest.mark.parametrize(
    "values",
    [[2.0, 0.0, 3.0, 4.0], [0.0, 2.0, 0.0, 5.0], [1.5, -2.0, 3.0, 0.0], [0.0, 1.0, 1.0, 1.0]],
)
def test_cumprod_gradient_with_zeros_matches_torch(values: list[float]) -> None:
    torch = pytest.importorskip("torch")
    upstream = [1.0, -2.0, 0.5, 3.0]
    ours = nt.tensor(values, dtype=nt.float64, requires_grad=True)
    theirs = torch.tensor(values, dtype=torch.float64, requires_grad=True)
    nt.cumprod(ours, 0).backward(nt.tensor(upstream, dtype=nt.float64))
    torch.cumprod(theirs, 0).backward(torch.tensor(upstream, dtype=torch.float64))
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-12)


def test_cumprod_gradient_with_zeros_passes_gradcheck() -> None:
    x = nt.tensor([[1.5, 0.0, 2.0, -1.0], [0.0, 3.0, 0.0, 2.0]], dtype=nt.float64)
    x.requires_grad_()
    assert nt.autograd.gradcheck(lambda t: nt.cumprod(t, 1), [x])


@pytest.mark.parametrize("dtype", ["int32", "int64", "bool"])
def test_integer_cumsum_is_int64_as_in_torch(dtype: str) -> None:
    torch = pytest.importorskip("torch")
    values = [[1, 0, 1], [0, 1, 1]]
    ours = nt.cumsum(nt.tensor(values, dtype=getattr(nt, dtype)), 1)
    theirs = torch.cumsum(torch.tensor(values, dtype=getattr(torch, dtype)), 1)
    assert ours.dtype.name == str(theirs.dtype).removeprefix("torch.")
    assert ours.tolist() == theirs.tolist()


def test_cumsum_dtype_argument_casts_first() -> None:
    out = nt.tensor([1, 2, 3]).cumsum(0, dtype=nt.float32)
    assert out.dtype == nt.float32 and out.tolist() == [1.0, 3.0, 6.0]


def test_bad_dim_raises() -> None:
    with pytest.raises(IndexError, match="Dimension out of range"):
        nt.cumsum(nt.ones(2, 3), 2)
