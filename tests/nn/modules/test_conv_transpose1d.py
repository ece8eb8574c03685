"""ConvTranspose1d and F.conv_transpose1d against PyTorch (weights copied), and gradcheck."""

from __future__ import annotations

import numpy as np
import pytest

import nettrain as nt
import nettrain.nn as nn
import nettrain.nn.functional as F
from tests.helpers.functional_oracle import gradcheck64, match_torch
from tests.helpers.torchcheck import compare, gradcheck_module

CONFIGS = [
    ((3, 2, 3), {}, (2, 3, 6)),
    ((3, 2, 3), {"stride": 2, "padding": 1, "output_padding": 1}, (2, 3, 5)),
    ((4, 6, 2), {"groups": 2, "dilation": 2, "bias": False}, (1, 4, 5)),
    ((4, 2, 3), {"stride": 3, "output_padding": 2, "groups": 2, "dilation": 2}, (4, 7)),
]


def _data(shape: tuple[int, ...], seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(shape)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize(("args", "kwargs", "shape"), CONFIGS)
def test_layer_matches_torch(args, kwargs, shape, dtype) -> None:
    torch = pytest.importorskip("torch")
    module, reference = (
        nn.ConvTranspose1d(*args, **kwargs),
        torch.nn.ConvTranspose1d(*args, **kwargs),
    )
    assert repr(module) == repr(reference)
    assert list(module.state_dict()) == list(reference.state_dict())
    compare(module, reference, [_data(shape)], dtype=dtype)


@pytest.mark.parametrize(("args", "kwargs", "shape"), CONFIGS[1:3])
def test_layer_gradcheck(args, kwargs, shape) -> None:
    gradcheck_module(
        nn.ConvTranspose1d(*args, **kwargs), [nt.tensor(_data(shape), requires_grad=True)]
    )


def test_functional_matches_torch_and_gradchecks() -> None:
    torch = pytest.importorskip("torch")
    geometry = {"stride": 2, "padding": 1, "output_padding": 1, "groups": 2, "dilation": 1}
    arrays = [_data((2, 4, 5)), _data((4, 3, 3), 1), _data((6,), 2)]
    match_torch(
        lambda x, w, b: F.conv_transpose1d(x, w, b, **geometry),
        lambda x, w, b: torch.nn.functional.conv_transpose1d(x, w, b, **geometry),
        arrays,
    )
    gradcheck64(lambda x, w, b: F.conv_transpose1d(x, w, b, **geometry), arrays)


def test_output_size_picks_the_output_padding() -> None:
    torch = pytest.importorskip("torch")
    module, reference = (
        nn.ConvTranspose1d(2, 3, 3, stride=3),
        torch.nn.ConvTranspose1d(2, 3, 3, stride=3),
    )
    x = _data((1, 2, 4)).astype(np.float32)
    out = module(nt.tensor(x), output_size=[13])
    assert (
        tuple(out.shape) == tuple(reference(torch.tensor(x), output_size=[13]).shape) == (1, 3, 13)
    )
    with pytest.raises(ValueError, match="valid sizes range"):
        module(nt.tensor(x), output_size=[20])


def test_bad_shapes() -> None:
    with pytest.raises(Exception, match="expected 2D .* or 3D"):
        F.conv_transpose1d(nt.zeros(1, 2, 3, 4), nt.zeros(2, 3, 3))
    with pytest.raises(Exception, match="channels"):
        nn.ConvTranspose1d(2, 3, 3)(nt.zeros(1, 5, 4))
    with pytest.raises(ValueError, match="output padding must be smaller"):
        F.conv_transpose1d(nt.zeros(1, 2, 3), nt.zeros(2, 3, 3), output_padding=2)
