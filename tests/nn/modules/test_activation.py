"""Activation modules against PyTorch (values, gradients, repr) and gradcheck."""

from __future__ import annotations

import numpy as np
import pytest

import nettrain as nt
import nettrain.nn as nn
from tests.helpers.torchcheck import compare, gradcheck_module

# (name, constructor args); the same call builds the torch and the nettrain module
MODULES = [
    ("ReLU", ()),
    ("ReLU6", ()),
    ("Hardtanh", (-0.5, 0.7)),
    ("LeakyReLU", ()),
    ("LeakyReLU", (0.2,)),
    ("ELU", ()),
    ("ELU", (0.5,)),
    ("GELU", ()),
    ("GELU", ("tanh",)),
    ("SiLU", ()),
    ("Sigmoid", ()),
    ("Tanh", ()),
    ("LogSigmoid", ()),
    ("Softplus", ()),
    ("Softplus", (2.0, 1.0)),
    ("Softmax", (1,)),
    ("Softmax", (-1,)),
    ("Softmin", (0,)),
    ("LogSoftmax", (1,)),
    ("LogSoftmax", (0,)),
]
IDS = [f"{name}{args}" for name, args in MODULES]


def _inputs(shape: tuple[int, ...] = (4, 5)) -> np.ndarray:
    """Values away from the kinks at 0 so finite differences stay valid."""
    values = np.random.default_rng(3).standard_normal(shape) * 2
    return np.where(np.abs(values) < 0.1, 0.3, values)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize(("name", "args"), MODULES, ids=IDS)
def test_matches_torch(name: str, args: tuple, dtype: str) -> None:
    torch = pytest.importorskip("torch")
    compare(getattr(nn, name)(*args), getattr(torch.nn, name)(*args), [_inputs()], dtype)


@pytest.mark.parametrize(("name", "args"), MODULES, ids=IDS)
def test_repr_matches_torch(name: str, args: tuple) -> None:
    torch = pytest.importorskip("torch")
    assert repr(getattr(nn, name)(*args)) == repr(getattr(torch.nn, name)(*args))


@pytest.mark.parametrize(("name", "args"), MODULES, ids=IDS)
def test_gradcheck(name: str, args: tuple) -> None:
    x = nt.tensor(_inputs((3, 4)), requires_grad=True)
    gradcheck_module(getattr(nn, name)(*args), [x])


@pytest.mark.parametrize("name", ["ReLU", "LeakyReLU", "ELU", "SiLU", "ReLU6"])
def test_inplace_variants_write_into_input(name: str) -> None:
    torch = pytest.importorskip("torch")
    data = _inputs()
    ours = nt.tensor(data)
    theirs = torch.tensor(data)
    out = getattr(nn, name)(inplace=True)(ours)
    getattr(torch.nn, name)(inplace=True)(theirs)
    assert out is ours
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), atol=1e-12)
    assert repr(getattr(nn, name)(inplace=True)) == repr(getattr(torch.nn, name)(inplace=True))


def test_inplace_on_non_leaf_keeps_gradient_correct() -> None:
    torch = pytest.importorskip("torch")
    data = _inputs()
    x = nt.tensor(data, requires_grad=True)
    tx = torch.tensor(data, requires_grad=True)
    (nn.ELU(inplace=True)(x * 2) ** 2).sum().backward()
    (torch.nn.ELU(inplace=True)(tx * 2) ** 2).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), atol=1e-10)


def test_softmax_module_without_dim_warns() -> None:
    with pytest.warns(UserWarning, match="Implicit dimension choice for softmax"):
        out = nn.Softmax()(nt.randn(3, 4))
    np.testing.assert_allclose(out.sum(1).numpy(), np.ones(3), rtol=1e-6)


def test_gelu_rejects_unknown_approximation() -> None:
    with pytest.raises(ValueError, match="none or tanh"):
        nn.GELU("fast")


def test_hardtanh_rejects_empty_interval() -> None:
    with pytest.raises(ValueError, match="greater than min_val"):
        nn.Hardtanh(1.0, 0.0)


def test_activation_on_device(device: str) -> None:
    x = nt.randn(3, 4, device=device, requires_grad=True)
    nn.GELU()(x).sum().backward()
    assert x.grad.device == x.device
