"""Linear, Bilinear and Identity against PyTorch, gradcheck, default init and errors."""

from __future__ import annotations

import math

import numpy as np
import pytest

import nettrain as nt
import nettrain.nn as nn
import nettrain.nn.functional as F
from tests.helpers.torchcheck import compare, gradcheck_module

LINEAR_SHAPES = [(5, 4), (4,), (2, 3, 4)]


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("shape", LINEAR_SHAPES)
@pytest.mark.parametrize("bias", [True, False])
def test_linear_matches_torch(dtype: str, shape: tuple[int, ...], bias: bool) -> None:
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(1).standard_normal(shape)
    compare(nn.Linear(4, 3, bias=bias), torch.nn.Linear(4, 3, bias=bias), [x], dtype)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("bias", [True, False])
def test_bilinear_matches_torch(dtype: str, bias: bool) -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(2)
    x1, x2 = rng.standard_normal((5, 3)), rng.standard_normal((5, 4))
    compare(nn.Bilinear(3, 4, 2, bias=bias), torch.nn.Bilinear(3, 4, 2, bias=bias), [x1, x2], dtype)


def test_identity_passes_through() -> None:
    x = nt.randn(2, 3)
    assert nn.Identity(54, unused="x")(x) is x
    assert repr(nn.Identity()) == "Identity()"


@pytest.mark.parametrize("bias", [True, False])
def test_linear_gradcheck(bias: bool) -> None:
    layer = nn.Linear(3, 2, bias=bias)
    gradcheck_module(layer, [nt.randn(4, 3, dtype=nt.float64, requires_grad=True)])
    gradcheck_module(layer, [nt.randn(2, 2, 3, dtype=nt.float64, requires_grad=True)])


def test_bilinear_gradcheck() -> None:
    layer = nn.Bilinear(3, 2, 2)
    x1 = nt.randn(4, 3, dtype=nt.float64, requires_grad=True)
    x2 = nt.randn(4, 2, dtype=nt.float64, requires_grad=True)
    gradcheck_module(layer, [x1, x2])


def test_linear_double_backward() -> None:
    x = nt.randn(3, 4, dtype=nt.float64, requires_grad=True)
    w = nt.randn(2, 4, dtype=nt.float64, requires_grad=True)
    b = nt.randn(2, dtype=nt.float64, requires_grad=True)
    assert nt.autograd.gradgradcheck(lambda x, w, b: F.linear(x, w, b).tanh(), (x, w, b))


def test_linear_and_bilinear_double_backward_batched() -> None:
    d = nt.float64
    x = nt.randn(2, 3, 4, dtype=d, requires_grad=True)
    w = nt.randn(2, 4, dtype=d, requires_grad=True)
    b = nt.randn(2, dtype=d, requires_grad=True)
    assert nt.autograd.gradgradcheck(lambda x, w, b: F.linear(x, w, b), (x, w, b))
    x1 = nt.randn(3, 2, dtype=d, requires_grad=True)
    x2 = nt.randn(3, 4, dtype=d, requires_grad=True)
    w3 = nt.randn(2, 2, 4, dtype=d, requires_grad=True)
    assert nt.autograd.gradgradcheck(F.bilinear, (x1, x2, w3, b))


def test_non_contiguous_batched_input() -> None:
    """A transposed 3-D input (batch_first attention's layout) is copied into rows once and
    those rows serve the weight gradient; gradients and second derivatives still match."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(7)
    base, w, b = rng.standard_normal((3, 2, 4)), rng.standard_normal((5, 4)), rng.standard_normal(5)
    g = rng.standard_normal((2, 3, 5))
    ours = [nt.tensor(a, requires_grad=True) for a in (base, w, b)]
    theirs = [torch.tensor(a, requires_grad=True) for a in (base, w, b)]
    out = F.linear(ours[0].transpose(0, 1), ours[1], ours[2])
    ref = torch.nn.functional.linear(theirs[0].transpose(0, 1), theirs[1], theirs[2])
    (out * nt.tensor(g)).sum().backward()
    (ref * torch.tensor(g)).sum().backward()
    for a, r in zip(ours, theirs):
        np.testing.assert_allclose(a.grad.numpy(), r.grad.numpy(), rtol=1e-12, atol=1e-12)
    x, w_, b_ = (nt.tensor(a, requires_grad=True) for a in (base, w, b))
    assert nt.autograd.gradgradcheck(lambda x, w, b: F.linear(x.transpose(0, 1), w, b), (x, w_, b_))


def test_full_backward_hook_two_inputs_matches_torch() -> None:
    torch = pytest.importorskip("torch")
    ours, theirs = nn.Bilinear(3, 2, 2).double(), torch.nn.Bilinear(3, 2, 2).double()
    theirs.load_state_dict({k: torch.tensor(v.numpy()) for k, v in ours.state_dict().items()})
    rng = np.random.default_rng(0)
    a, c = rng.standard_normal((4, 3)), rng.standard_normal((4, 2))
    seen = {}

    def record(key):
        def hook(module, grad_input, grad_output):
            seen[key] = (grad_input, grad_output)

        return hook

    ours.register_full_backward_hook(record("ours"))
    theirs.register_full_backward_hook(record("theirs"))
    ours(nt.tensor(a, requires_grad=True), nt.tensor(c)).sum().backward()
    theirs(torch.tensor(a, requires_grad=True), torch.tensor(c)).sum().backward()
    (gi, go), (tgi, tgo) = seen["ours"], seen["theirs"]
    assert len(gi) == len(tgi) == 2
    for ours_g, theirs_g in zip(gi, tgi):  # zeros for the input that needs no grad
        np.testing.assert_allclose(ours_g.numpy(), theirs_g.numpy(), atol=1e-12)
    np.testing.assert_allclose(go[0].numpy(), tgo[0].numpy(), atol=1e-12)


def test_linear_is_one_graph_node() -> None:
    layer = nn.Linear(4, 2)
    out = layer(nt.randn(3, 4))
    assert out.grad_fn.name() == "LinearBackward0"
    # x needs no grad; weight and bias are leaves reached directly from the one node
    assert [fn for fn, _ in out.grad_fn.next_functions] == [None, layer.weight, layer.bias]


def test_float32_stays_float32() -> None:
    layer = nn.Linear(4, 2)
    x = nt.randn(3, 4, requires_grad=True)
    out = layer(x)
    out.sum().backward()
    assert out.dtype == nt.float32 and x.grad.dtype == nt.float32
    assert layer.weight.grad.dtype == nt.float32 and layer.bias.grad.dtype == nt.float32


@pytest.mark.parametrize(("in_f", "out_f"), [(4, 2), (100, 30), (1, 1)])
def test_default_init_bounds_follow_torch(in_f: int, out_f: int) -> None:
    layer = nn.Linear(in_f, out_f)
    bound = 1 / math.sqrt(in_f)  # kaiming_uniform_(a=sqrt(5)) reduces to this bound
    w, b = layer.weight.detach().numpy(), layer.bias.detach().numpy()
    assert np.abs(w).max() <= bound and np.abs(b).max() <= bound
    assert layer.weight.requires_grad and isinstance(layer.weight, nn.Parameter)
    if in_f * out_f >= 1000:  # uniform: the spread covers most of the interval
        assert np.abs(w).max() > 0.9 * bound
        assert abs(w.std() - bound / math.sqrt(3)) < 0.1 * bound


def test_init_is_seeded() -> None:
    nt.manual_seed(123)
    a = nn.Linear(5, 5).weight.detach().numpy()
    nt.manual_seed(123)
    b = nn.Linear(5, 5).weight.detach().numpy()
    np.testing.assert_array_equal(a, b)


def test_shape_error_names_module_and_shapes() -> None:
    with pytest.raises(nt.errors.ShapeError) as info:
        nn.Linear(4, 2)(nt.randn(3, 5))
    assert "Linear(in_features=4, out_features=2) got input of shape (3, 5)" in str(info.value)
    with pytest.raises(nt.errors.ShapeError, match=r"Bilinear\(in1_features=3"):
        nn.Bilinear(3, 4, 2)(nt.randn(2, 3), nt.randn(2, 5))


def test_functional_linear_errors() -> None:
    with pytest.raises(nt.errors.ShapeError, match="bias of shape"):
        F.linear(nt.randn(2, 3), nt.randn(4, 3), nt.randn(3))
    with pytest.raises(RuntimeError, match="same dtype"):
        F.linear(nt.randn(2, 3, dtype=nt.float64), nt.randn(4, 3))


def test_dtype_and_device_arguments() -> None:
    layer = nn.Linear(3, 2, dtype=nt.float64, device="cpu")
    assert layer.weight.dtype == nt.float64 and layer.bias.dtype == nt.float64


def test_linear_on_device(device: str) -> None:
    layer = nn.Linear(3, 2).to(device)
    x = nt.randn(4, 3, device=device, requires_grad=True)
    layer(x).sum().backward()
    expected = np.broadcast_to(layer.weight.detach().cpu().numpy().sum(0), (4, 3))
    np.testing.assert_allclose(x.grad.cpu().numpy(), expected, rtol=1e-5)
    assert layer.weight.grad.device == x.device
