"""MaxPool2d, AvgPool2d and AdaptiveAvgPool2d against PyTorch (values, gradients, repr).
(Named ``test_pooling_layers`` because ``tests/ops/test_pooling.py`` holds the op tests.)
"""

from __future__ import annotations

import numpy as np
import pytest

import nettrain as nt
import nettrain.nn as nn
from tests.helpers.torchcheck import compare, gradcheck_module

CONFIGS = [
    ("MaxPool2d", (2,), {}),
    ("MaxPool2d", (3,), {"stride": 2, "padding": 1, "ceil_mode": True}),
    ("MaxPool2d", ((2, 3),), {"stride": 1, "dilation": (2, 1)}),
    ("AvgPool2d", (2,), {}),
    ("AvgPool2d", (3, 2, 1), {"ceil_mode": True, "count_include_pad": False}),
    ("AvgPool2d", ((3, 2),), {"stride": (1, 2), "divisor_override": 4}),
    ("AdaptiveAvgPool2d", ((3, 2),), {}),
    ("AdaptiveAvgPool2d", ((None, 3),), {}),
    ("AdaptiveAvgPool2d", (1,), {}),
]
IDS = [f"{name}-{i}" for i, (name, *_) in enumerate(CONFIGS)]


def _distinct(shape: tuple) -> np.ndarray:
    """Well-separated values, so no window holds a tie."""
    rng = np.random.default_rng(2)
    return rng.permutation(int(np.prod(shape))).reshape(shape) * 0.1 - 3.0


def _pair(name: str, args: tuple, kwargs: dict):
    torch = pytest.importorskip("torch")
    return getattr(nn, name)(*args, **kwargs), getattr(torch.nn, name)(*args, **kwargs)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize(("name", "args", "kwargs"), CONFIGS, ids=IDS)
def test_matches_torch(name: str, args: tuple, kwargs: dict, dtype: str) -> None:
    module, reference = _pair(name, args, kwargs)
    compare(module, reference, [_distinct((2, 3, 7, 8))], dtype=dtype)


@pytest.mark.parametrize(("name", "args", "kwargs"), CONFIGS, ids=IDS)
def test_repr_matches_torch(name: str, args: tuple, kwargs: dict) -> None:
    module, reference = _pair(name, args, kwargs)
    assert repr(module) == repr(reference)
    assert module.state_dict() == {}


@pytest.mark.parametrize(("name", "args", "kwargs"), [CONFIGS[1], CONFIGS[4], CONFIGS[7]])
def test_gradcheck(name: str, args: tuple, kwargs: dict) -> None:
    x = nt.tensor(_distinct((1, 2, 6, 7)), requires_grad=True)
    gradcheck_module(getattr(nn, name)(*args, **kwargs), [x])


def test_unbatched_and_device(device: str) -> None:
    x = nt.randn(3, 6, 6, device=device, requires_grad=True)
    out = nn.Sequential(nn.MaxPool2d(2), nn.AvgPool2d(3, 1, 1), nn.AdaptiveAvgPool2d(2))(x)
    assert tuple(out.shape) == (3, 2, 2) and out.dtype == nt.float32
    out.sum().backward()
    assert tuple(x.grad.shape) == (3, 6, 6)


def test_return_indices_gives_values_and_indices() -> None:
    torch = pytest.importorskip("torch")
    x = _distinct((2, 3, 7, 8))
    values, indices = nn.MaxPool2d(3, 2, 1, return_indices=True)(nt.tensor(x))
    ref_values, ref_indices = torch.nn.MaxPool2d(3, 2, 1, return_indices=True)(torch.tensor(x))
    np.testing.assert_array_equal(values.numpy(), ref_values.numpy())
    np.testing.assert_array_equal(indices.numpy(), ref_indices.numpy())
