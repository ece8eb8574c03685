"""F.normalize against PyTorch (p, dim, eps; zero vectors) and float64 gradcheck."""

from __future__ import annotations

import numpy as np
import pytest

import nettrain as nt
import nettrain.nn.functional as F
from tests.helpers.functional_oracle import gradcheck64, match_torch

CASES = [
    ((4, 5), {}),
    ((2, 3, 4), {"dim": -1}),
    ((2, 3, 4), {"p": 1.0, "dim": 0}),
    ((2, 3, 4), {"p": 3.0, "dim": (1, 2)}),
    ((3, 5), {"p": float("inf")}),
    ((3, 5), {"eps": 10.0}),
]


def _data(shape: tuple[int, ...]) -> np.ndarray:
    x = np.random.default_rng(sum(shape)).standard_normal(shape)
    x[0] = 0.0  # an all-zero slice along dim 1 (and zeros elsewhere): eps takes over
    return x


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize(("shape", "kwargs"), CASES)
def test_matches_torch(shape, kwargs, dtype, device) -> None:
    torch = pytest.importorskip("torch")
    x = _data(shape) if "dim" not in kwargs else np.random.default_rng(1).standard_normal(shape)
    if dtype == "float32" and "dim" not in kwargs and "eps" not in kwargs:
        x = x + 0.5  # no zero rows: their 1/eps gradient is beyond float32's relative precision
    match_torch(
        lambda t: F.normalize(t, **kwargs),
        lambda t: torch.nn.functional.normalize(t, **kwargs),
        [x],
        dtype=dtype,
        device=device,
    )


@pytest.mark.parametrize(("shape", "kwargs"), CASES[:4])
def test_gradcheck(shape, kwargs) -> None:
    x = np.random.default_rng(2).standard_normal(shape)
    gradcheck64(lambda t: F.normalize(t, **kwargs), [x])


def test_zero_vector_stays_zero_with_finite_gradient() -> None:
    x = nt.zeros(2, 3, requires_grad=True)
    out = F.normalize(x)
    out.sum().backward()
    assert not out.detach().numpy().any()
    np.testing.assert_allclose(x.grad.numpy(), 1e12)  # 1/eps, as PyTorch


def test_bad_arguments() -> None:
    with pytest.raises(IndexError, match="Dimension out of range"):
        F.normalize(nt.zeros(2, 3), dim=2)
    with pytest.raises(RuntimeError, match="floating point"):
        F.normalize(nt.zeros(2, 3, dtype=nt.int64))
