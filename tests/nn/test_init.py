"""nn.init: gains and fans as PyTorch computes them, distributions and bounds, seeding,
orthogonality, and that initialisers leave no autograd history."""

from __future__ import annotations

import math

import numpy as np
import pytest

import nettrain as nt
import nettrain.nn as nn
from nettrain.nn import init


@pytest.mark.parametrize(
    ("nonlinearity", "param"),
    [
        ("linear", None),
        ("conv2d", None),
        ("sigmoid", None),
        ("tanh", None),
        ("relu", None),
        ("leaky_relu", None),
        ("leaky_relu", 0.2),
        ("leaky_relu", math.sqrt(5)),
        ("selu", None),
    ],
)
def test_calculate_gain_matches_torch(nonlinearity: str, param: float | None) -> None:
    torch = pytest.importorskip("torch")
    assert init.calculate_gain(nonlinearity, param) == pytest.approx(
        torch.nn.init.calculate_gain(nonlinearity, param)
    )


def test_calculate_gain_errors() -> None:
    with pytest.raises(ValueError, match="Unsupported nonlinearity"):
        init.calculate_gain("swish")
    with pytest.raises(ValueError, match="not a valid number"):
        init.calculate_gain("leaky_relu", "big")


@pytest.mark.parametrize("shape", [(3, 5), (8, 4, 3, 3), (2, 6, 7)])
def test_fan_in_and_fan_out_match_torch(shape: tuple[int, ...]) -> None:
    torch = pytest.importorskip("torch")
    expected = torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(shape))
    assert init._calculate_fan_in_and_fan_out(nt.empty(shape)) == expected


def test_fan_needs_two_dims() -> None:
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init.xavier_uniform_(nt.empty(5))


SHAPE = (256, 128)
FAN_IN, FAN_OUT = 128, 256


@pytest.mark.parametrize(
    ("fill", "low", "high", "std"),
    [
        (lambda t: init.uniform_(t, -0.3, 0.7), -0.3, 0.7, 1.0 / math.sqrt(12)),
        (lambda t: init.normal_(t, 0.0, 0.02), None, None, 0.02),
        (
            lambda t: init.xavier_uniform_(t, gain=2.0),
            -2.0 * math.sqrt(6 / (FAN_IN + FAN_OUT)),
            2.0 * math.sqrt(6 / (FAN_IN + FAN_OUT)),
            2.0 * math.sqrt(2 / (FAN_IN + FAN_OUT)),
        ),
        (lambda t: init.xavier_normal_(t), None, None, math.sqrt(2 / (FAN_IN + FAN_OUT))),
        (
            lambda t: init.kaiming_uniform_(t, nonlinearity="relu"),
            -math.sqrt(6 / FAN_IN),
            math.sqrt(6 / FAN_IN),
            math.sqrt(2 / FAN_IN),
        ),
        (
            lambda t: init.kaiming_normal_(t, mode="fan_out", nonlinearity="relu"),
            None,
            None,
            math.sqrt(2 / FAN_OUT),
        ),
        (
            lambda t: init.kaiming_uniform_(t, a=math.sqrt(5)),
            -1 / math.sqrt(FAN_IN),
            1 / math.sqrt(FAN_IN),
            1 / math.sqrt(3 * FAN_IN),
        ),
        (lambda t: init.trunc_normal_(t, std=1.0, a=-1.0, b=1.5), -1.0, 1.5, None),
    ],
    ids=[
        "uniform",
        "normal",
        "xavier_uniform",
        "xavier_normal",
        "kaiming_uniform",
        "kaiming_normal_fan_out",
        "kaiming_a_sqrt5",
        "trunc_normal",
    ],
)
def test_distribution_bounds_and_spread(fill, low, high, std) -> None:
    t = nt.empty(SHAPE)
    assert fill(t) is t
    values = t.numpy()
    if low is not None:
        assert values.min() >= low and values.max() <= high
        assert values.min() < low + 0.05 * (high - low)  # the whole interval is used
    if std is not None:
        assert values.std() == pytest.approx(std, rel=0.03)
    assert t.dtype == nt.float32


def test_constants() -> None:
    t = nt.empty(3, 4)
    assert not init.zeros_(t).numpy().any()
    assert (init.ones_(t).numpy() == 1).all()
    assert (init.constant_(t, 0.25).numpy() == 0.25).all()
    np.testing.assert_array_equal(init.eye_(t).numpy(), np.eye(3, 4))


@pytest.mark.parametrize("shape", [(6, 4), (4, 6), (5, 2, 3)])
def test_orthogonal(shape: tuple[int, ...]) -> None:
    t = init.orthogonal_(nt.empty(shape), gain=2.0)
    flat = t.numpy().reshape(shape[0], -1).astype(np.float64)
    rows, cols = flat.shape
    gram = flat @ flat.T if rows <= cols else flat.T @ flat
    np.testing.assert_allclose(gram, 4.0 * np.eye(min(rows, cols)), atol=1e-5)


def test_seeded_and_history_free() -> None:
    w = nn.Parameter(nt.empty(4, 4))
    nt.manual_seed(5)
    init.kaiming_normal_(w)
    first = w.detach().numpy().copy()
    nt.manual_seed(5)
    init.kaiming_normal_(w)  # a leaf that requires grad: must run under no_grad
    np.testing.assert_array_equal(first, w.detach().numpy())
    assert w.grad_fn is None and w.requires_grad


def test_generator_argument() -> None:
    gen = nt.random.Generator().manual_seed(11)
    a = init.normal_(nt.empty(5), generator=gen).numpy().copy()
    gen.manual_seed(11)
    np.testing.assert_array_equal(a, init.normal_(nt.empty(5), generator=gen).numpy())


def test_bad_mode() -> None:
    with pytest.raises(ValueError, match="Mode fan_avg not supported"):
        init.kaiming_uniform_(nt.empty(3, 3), mode="fan_avg")


def test_float64_tensor_keeps_dtype(device: str) -> None:
    t = nt.empty(3, 3, dtype=nt.float64, device=device)
    init.xavier_uniform_(t)
    assert t.dtype == nt.float64 and t.device == nt.device(device)
