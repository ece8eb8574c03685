"""Conv1d, Conv2d and ConvTranspose2d against PyTorch: weights copied through numpy,
outputs and every gradient compared, plus init bounds, repr, state_dict and errors.
(Named ``test_conv_layers`` because ``tests/ops/test_conv.py`` holds the op tests.)
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import nettrain as nt
import nettrain.nn as nn
from nettrain.errors import ShapeError
from tests.helpers.torchcheck import compare, gradcheck_module

pytestmark = pytest.mark.filterwarnings("ignore:Using padding=.same.:UserWarning")

CONFIGS = [
    ("Conv2d", (3, 4, 3), {}, (2, 3, 6, 5)),
    ("Conv2d", (4, 6, (3, 2)), {"stride": 2, "padding": 1, "groups": 2}, (2, 4, 7, 6)),
    ("Conv2d", (2, 3, 3), {"dilation": (2, 1), "padding": "same", "bias": False}, (1, 2, 7, 5)),
    ("Conv2d", (2, 2, 2), {"padding": "valid"}, (2, 4, 4)),
    ("Conv1d", (3, 4, 3), {"stride": 2, "padding": 1, "dilation": 2}, (2, 3, 9)),
    ("Conv1d", (4, 4, 4), {"groups": 4, "padding": "same"}, (1, 4, 6)),
    ("ConvTranspose2d", (3, 2, 3), {"stride": 2, "padding": 1, "output_padding": 1}, (2, 3, 3, 4)),
    ("ConvTranspose2d", (4, 2, (2, 3)), {"groups": 2, "dilation": 2, "bias": False}, (1, 4, 3, 3)),
]
IDS = [f"{name}-{i}" for i, (name, *_) in enumerate(CONFIGS)]


def _pair(name: str, args: tuple, kwargs: dict):
    torch = pytest.importorskip("torch")
    return getattr(nn, name)(*args, **kwargs), getattr(torch.nn, name)(*args, **kwargs)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize(("name", "args", "kwargs", "shape"), CONFIGS, ids=IDS)
def test_matches_torch(name: str, args: tuple, kwargs: dict, shape: tuple, dtype: str) -> None:
    module, reference = _pair(name, args, kwargs)
    x = np.random.default_rng(1).standard_normal(shape)
    compare(module, reference, [x], dtype=dtype)


@pytest.mark.parametrize(("name", "args", "kwargs", "shape"), CONFIGS, ids=IDS)
def test_repr_and_state_dict_match_torch(
    name: str, args: tuple, kwargs: dict, shape: tuple
) -> None:
    module, reference = _pair(name, args, kwargs)
    assert repr(module) == repr(reference)
    ours = {k: tuple(v.shape) for k, v in module.state_dict().items()}
    theirs = {k: tuple(v.shape) for k, v in reference.state_dict().items()}
    assert list(ours.items()) == list(theirs.items())


@pytest.mark.parametrize(
    ("name", "args", "kwargs", "shape"), CONFIGS[1:2] + CONFIGS[4:5] + CONFIGS[6:7]
)
def test_gradcheck(name: str, args: tuple, kwargs: dict, shape: tuple) -> None:
    module = getattr(nn, name)(*args, **kwargs)
    x = nt.randn(*shape, dtype=nt.float64, requires_grad=True)
    gradcheck_module(module, [x])


def test_default_init_follows_torch_bounds() -> None:
    layer = nn.Conv2d(16, 32, 5)
    fan_in = 16 * 5 * 5
    bound = 1 / math.sqrt(fan_in)  # kaiming_uniform_(a=sqrt(5)) and the bias rule agree
    w, b = layer.weight.detach().numpy(), layer.bias.detach().numpy()
    assert layer.weight.dtype == nt.float32
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.95 * bound
    assert np.abs(b).max() <= bound
    assert w.std() == pytest.approx(bound / math.sqrt(3), rel=0.05)  # std of U(-a, a)
    transposed = nn.ConvTranspose2d(8, 4, 3, groups=2)  # fan_in uses weight.shape[1]
    assert np.abs(transposed.bias.detach().numpy()).max() <= 1 / math.sqrt(2 * 9)


def test_output_size_argument_matches_torch() -> None:
    torch = pytest.importorskip("torch")
    module, reference = _pair("ConvTranspose2d", (2, 3, 3), {"stride": 2, "padding": 1})
    module.load_state_dict({k: nt.tensor(v.numpy()) for k, v in reference.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((1, 2, 4, 4)).astype("float32")
    out = module(nt.tensor(x), output_size=[8, 8])
    ref = reference(torch.tensor(x), output_size=[8, 8])
    np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="requested an output size"):
        module(nt.tensor(x), output_size=[12, 12])


def test_channel_mismatch_message() -> None:
    conv = nn.Conv2d(1, 8, kernel_size=3)
    with pytest.raises(ShapeError) as info:
        conv(nt.randn(64, 3, 28, 28))
    assert str(info.value) == (
        "Conv2d(1, 8, kernel_size=(3, 3)) expected input with 1 channels, got input of "
        "shape (64, 3, 28, 28)"
    )
    with pytest.raises(ShapeError, match=r"expected 3D \(unbatched\) or 4D \(batched\) input"):
        conv(nt.randn(28, 28))


@pytest.mark.parametrize(
    ("kwargs", "error", "pattern"),
    [
        ({"groups": 0}, ValueError, "positive integer"),
        ({"groups": 3}, ValueError, "in_channels must be divisible by groups"),
        ({"padding": "same", "stride": 2}, ValueError, "strided"),
        ({"padding": "half"}, ValueError, "Invalid padding string"),
        ({"padding_mode": "reflect"}, NotImplementedError, "padding_mode='reflect'"),
        ({"padding_mode": "mirror"}, ValueError, "padding_mode must be one of"),
    ],
)
def test_constructor_validation(kwargs: dict, error: type, pattern: str) -> None:
    with pytest.raises(error, match=pattern):
        nn.Conv2d(4, 6, 3, **kwargs)


def test_trains_on_device(device: str) -> None:
    conv = nn.Conv2d(2, 3, 3, padding=1).to(device)
    x = nt.randn(4, 2, 5, 5, device=device)
    loss = conv(x).pow(2).mean()
    loss.backward()
    assert conv.weight.grad is not None and conv.weight.grad.dtype == nt.float32
    assert tuple(conv.weight.grad.shape) == (3, 2, 3, 3)
