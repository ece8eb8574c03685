"""Upsample, UpsamplingNearest2d and UpsamplingBilinear2d against PyTorch."""

from __future__ import annotations

import numpy as np
import pytest

import nettrain as nt
import nettrain.nn as nn
from tests.helpers.torchcheck import compare, gradcheck_module

CONFIGS = [
    ("Upsample", {"scale_factor": 2}),
    ("Upsample", {"size": (5, 7), "mode": "bilinear"}),
    ("Upsample", {"scale_factor": (1.5, 0.5), "mode": "bilinear", "align_corners": True}),
    ("Upsample", {"scale_factor": 1.3, "mode": "nearest", "recompute_scale_factor": True}),
    ("UpsamplingNearest2d", {"scale_factor": 3}),
    ("UpsamplingBilinear2d", {"size": 6}),
]
IDS = [f"{name}-{i}" for i, (name, _) in enumerate(CONFIGS)]


def _pair(name: str, kwargs: dict):
    torch = pytest.importorskip("torch")
    return getattr(nn, name)(**kwargs), getattr(torch.nn, name)(**kwargs)


def _data() -> np.ndarray:
    return np.random.default_rng(3).standard_normal((2, 3, 4, 5))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize(("name", "kwargs"), CONFIGS, ids=IDS)
def test_matches_torch(name: str, kwargs: dict, dtype: str) -> None:
    module, reference = _pair(name, kwargs)
    compare(module, reference, [_data()], dtype=dtype)


@pytest.mark.parametrize(("name", "kwargs"), CONFIGS, ids=IDS)
def test_repr_matches_torch(name: str, kwargs: dict) -> None:
    module, reference = _pair(name, kwargs)
    assert repr(module) == repr(reference)
    assert module.state_dict() == {}


@pytest.mark.parametrize(("name", "kwargs"), CONFIGS[1:3], ids=IDS[1:3])
def test_gradcheck(name: str, kwargs: dict) -> None:
    gradcheck_module(getattr(nn, name)(**kwargs), [nt.tensor(_data(), requires_grad=True)])


def test_linear_mode_on_sequences(device: str) -> None:
    x = nt.randn(2, 3, 5, device=device, requires_grad=True)
    out = nn.Upsample(scale_factor=2, mode="linear")(x)
    assert tuple(out.shape) == (2, 3, 10) and out.dtype == nt.float32
    out.sum().backward()
    np.testing.assert_allclose(x.grad.cpu().numpy(), 2.0, rtol=1e-6)
