"""MaxPool1d, AvgPool1d and the adaptive pool layers against PyTorch (values, grads, repr)."""

from __future__ import annotations

import numpy as np
import pytest

import nettrain.nn as nn
from tests.helpers.torchcheck import compare

CONFIGS = [
    ("MaxPool1d", (3,), {"stride": 2, "padding": 1}, (2, 3, 9)),
    ("AvgPool1d", (3, 2, 1), {"ceil_mode": True, "count_include_pad": False}, (2, 3, 9)),
    ("AdaptiveAvgPool1d", (4,), {}, (2, 3, 9)),
    ("AdaptiveMaxPool1d", (4,), {}, (3, 9)),
    ("AdaptiveMaxPool2d", ((3, None),), {}, (2, 3, 7, 5)),
    ("AdaptiveMaxPool2d", (2,), {}, (3, 7, 5)),
]
IDS = [f"{name}-{i}" for i, (name, *_) in enumerate(CONFIGS)]


def _distinct(shape: tuple) -> np.ndarray:
    rng = np.random.default_rng(4)
    return rng.permutation(int(np.prod(shape))).reshape(shape) * 0.1 - 3.0


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize(("name", "args", "kwargs", "shape"), CONFIGS, ids=IDS)
def test_matches_torch(name, args, kwargs, shape, dtype) -> None:
    torch = pytest.importorskip("torch")
    module, reference = getattr(nn, name)(*args, **kwargs), getattr(torch.nn, name)(*args, **kwargs)
    compare(module, reference, [_distinct(shape)], dtype=dtype)
    assert repr(module) == repr(reference)
    assert module.state_dict() == {}


def test_one_d_layers_are_not_two_d_layers() -> None:
    torch = pytest.importorskip("torch")
    pairs = [("MaxPool1d", "MaxPool2d"), ("AdaptiveAvgPool1d", "AdaptiveAvgPool2d")]
    pairs += [("AdaptiveMaxPool1d", "AdaptiveMaxPool2d"), ("ConvTranspose1d", "ConvTranspose2d")]
    for one, two in pairs:  # isinstance checks in user code (weight init) must agree
        assert issubclass(getattr(nn, one), getattr(nn, two)) == issubclass(
            getattr(torch.nn, one), getattr(torch.nn, two)
        )
