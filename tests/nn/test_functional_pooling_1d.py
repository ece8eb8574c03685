"""1-D and adaptive pooling functionals against PyTorch, with float64 gradcheck."""

from __future__ import annotations

import numpy as np
import pytest

import nettrain as nt
import nettrain.nn.functional as F
from tests.helpers.functional_oracle import gradcheck64, match_torch

CASES = [
    ("max_pool1d", (2, 3, 9), (3,), {"stride": 2, "padding": 1, "ceil_mode": True}),
    ("max_pool1d", (3, 8), (2,), {"dilation": 2}),
    ("avg_pool1d", (2, 3, 9), (3,), {"stride": 2, "padding": 1, "count_include_pad": False}),
    ("avg_pool1d", (3, 8), (4,), {"ceil_mode": True, "stride": 3}),
    ("adaptive_avg_pool1d", (2, 3, 7), (3,), {}),
    ("adaptive_avg_pool1d", (3, 5), (5,), {}),
    ("adaptive_max_pool1d", (2, 3, 7), (3,), {}),
    ("adaptive_max_pool1d", (3, 5), (8,), {}),
    ("adaptive_max_pool2d", (2, 3, 7, 9), ((3, 4),), {}),
    ("adaptive_max_pool2d", (3, 6, 5), ((None, 2),), {}),
    ("adaptive_max_pool2d", (2, 3, 5, 4), (1,), {}),
]
IDS = [f"{name}-{i}" for i, (name, *_) in enumerate(CASES)]


def _distinct(shape: tuple[int, ...]) -> np.ndarray:
    """Well-separated values, so no window holds a tie."""
    rng = np.random.default_rng(sum(shape))
    return rng.permutation(int(np.prod(shape))).reshape(shape) * 0.1 - 2.0


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize(("name", "shape", "args", "kwargs"), CASES, ids=IDS)
def test_matches_torch(name, shape, args, kwargs, dtype, device) -> None:
    torch = pytest.importorskip("torch")
    match_torch(
        lambda x: getattr(F, name)(x, *args, **kwargs),
        lambda x: getattr(torch.nn.functional, name)(x, *args, **kwargs),
        [_distinct(shape)],
        dtype=dtype,
        device=device,
    )


@pytest.mark.parametrize(("name", "shape", "args", "kwargs"), CASES, ids=IDS)
def test_gradcheck(name, shape, args, kwargs) -> None:
    gradcheck64(lambda x: getattr(F, name)(x, *args, **kwargs), [_distinct(shape)])


@pytest.mark.parametrize(
    ("name", "shape", "args"),
    [
        ("max_pool1d", (2, 3, 9), (3, 2, 1)),
        ("adaptive_max_pool1d", (2, 3, 7), (3,)),
        ("adaptive_max_pool1d", (3, 5), (8,)),
        ("adaptive_max_pool2d", (2, 3, 7, 9), ((3, 4),)),
        ("adaptive_max_pool2d", (3, 6, 5), ((None, 2),)),
    ],
)
def test_return_indices_match_torch(name, shape, args) -> None:
    torch = pytest.importorskip("torch")
    x = _distinct(shape)
    values, indices = getattr(F, name)(nt.tensor(x), *args, return_indices=True)
    ref_values, ref_indices = getattr(torch.nn.functional, name)(
        torch.tensor(x), *args, return_indices=True
    )
    np.testing.assert_array_equal(values.numpy(), ref_values.numpy())
    np.testing.assert_array_equal(indices.numpy(), ref_indices.numpy())
    assert indices.dtype == nt.int64 and not indices.requires_grad


@pytest.mark.parametrize(
    ("name", "shape", "args"),
    [
        ("max_pool1d", (1, 2, 3, 4), (2,)),
        ("avg_pool1d", (4,), (2,)),
        ("adaptive_avg_pool1d", (1, 2, 3, 4), (2,)),
        ("adaptive_max_pool1d", (1, 2, 3, 4), (2,)),
        ("adaptive_max_pool2d", (3, 4), (2,)),
    ],
)
def test_wrong_rank_names_the_expected_shapes(name, shape, args) -> None:
    with pytest.raises(Exception, match="expected .*D"):
        getattr(F, name)(nt.zeros(*shape), *args)


def test_adaptive_max_needs_floats() -> None:
    with pytest.raises(NotImplementedError, match="float"):
        F.adaptive_max_pool2d(nt.zeros(1, 2, 3, 4, dtype=nt.int64), 2)
