"""Flatten and Unflatten against PyTorch (shapes, values, gradients, repr)."""

from __future__ import annotations

import numpy as np
import pytest

import nettrain as nt
import nettrain.nn as nn
from tests.helpers.torchcheck import compare, gradcheck_module

CASES = [
    ("Flatten", (), (2, 3, 4, 5)),
    ("Flatten", (0, -1), (2, 3, 4)),
    ("Flatten", (2, 3), (2, 3, 4, 5)),
    ("Unflatten", (1, (3, 4)), (2, 12)),
    ("Unflatten", (-1, (2, -1)), (2, 3, 8)),
]


@pytest.mark.parametrize(("name", "args", "shape"), CASES)
def test_matches_torch(name: str, args: tuple, shape: tuple[int, ...]) -> None:
    torch = pytest.importorskip("torch")
    data = np.random.default_rng(0).standard_normal(shape)
    compare(getattr(nn, name)(*args), getattr(torch.nn, name)(*args), [data])
    assert repr(getattr(nn, name)(*args)) == repr(getattr(torch.nn, name)(*args))


@pytest.mark.parametrize(("name", "args", "shape"), CASES)
def test_gradcheck(name: str, args: tuple, shape: tuple[int, ...]) -> None:
    x = nt.randn(*shape, dtype=nt.float64, requires_grad=True)
    gradcheck_module(getattr(nn, name)(*args), [x])


def test_unflatten_argument_errors() -> None:
    with pytest.raises(TypeError, match="unflattened_size"):
        nn.Unflatten(1, 12)
    with pytest.raises(TypeError, match="dim"):
        nn.Unflatten("x", (2, 3))
