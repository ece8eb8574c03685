"""nn.functional activations: PyTorch signatures and values, implicit softmax dims,
double backward, numerical stability at extreme inputs, and the erf fallback."""

from __future__ import annotations

import importlib.util
import math
import subprocess
import sys
import warnings

import numpy as np
import pytest

import nettrain as nt
import nettrain.nn.functional as F
from nettrain.ops import activation as activation_ops

CALLS = [
    ("relu", {}),
    ("relu6", {}),
    ("hardtanh", {"min_val": -0.3, "max_val": 0.9}),
    ("leaky_relu", {"negative_slope": 0.3}),
    ("elu", {"alpha": 1.7}),
    ("gelu", {}),
    ("gelu", {"approximate": "tanh"}),
    ("silu", {}),
    ("sigmoid", {}),
    ("tanh", {}),
    ("logsigmoid", {}),
    ("softplus", {"beta": 0.5, "threshold": 3.0}),
    ("softmax", {"dim": 0}),
    ("softmax", {"dim": -1, "dtype": "float64"}),
    ("log_softmax", {"dim": 1}),
    ("softmin", {"dim": 1}),
]
IDS = [f"{n}-{'-'.join(map(str, k.values()))}" for n, k in CALLS]


def _data(shape=(3, 5), seed=0) -> np.ndarray:
    values = np.random.default_rng(seed).standard_normal(shape) * 2
    return np.where(np.abs(values) < 0.1, 0.3, values)


def _kwargs(lib, kwargs):
    out = dict(kwargs)
    if "dtype" in out:
        out["dtype"] = getattr(lib, out["dtype"])
    return out


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize(("name", "kwargs"), CALLS, ids=IDS)
def test_matches_torch(name: str, kwargs: dict, dtype: str) -> None:
    torch = pytest.importorskip("torch")
    data = _data().astype(dtype)
    x = nt.tensor(data, requires_grad=True)
    tx = torch.tensor(data, requires_grad=True)
    out = getattr(F, name)(x, **_kwargs(nt, kwargs))
    t_out = getattr(torch.nn.functional, name)(tx, **_kwargs(torch, kwargs))
    tol = 1e-12 if dtype == "float64" else 2e-6
    assert str(out.dtype) == str(t_out.dtype).replace("torch", "nettrain")
    np.testing.assert_allclose(out.detach().numpy(), t_out.detach().numpy(), atol=tol, rtol=tol)
    g = _data(seed=1)
    (out * nt.tensor(g.astype(str(out.dtype).split(".")[-1]))).sum().backward()
    (t_out * torch.tensor(g).to(t_out.dtype)).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), atol=tol * 10, rtol=tol * 10)


@pytest.mark.parametrize(("name", "kwargs"), CALLS, ids=IDS)
def test_gradcheck(name: str, kwargs: dict) -> None:
    x = nt.tensor(_data((2, 4)), requires_grad=True)
    kw = _kwargs(nt, kwargs)
    assert nt.autograd.gradcheck(lambda t: getattr(F, name)(t, **kw), (x,))


DOUBLE = [c for c in CALLS if c != ("gelu", {})]


@pytest.mark.parametrize(("name", "kwargs"), DOUBLE, ids=[f"{n}-{k}" for n, k in DOUBLE])
def test_double_backward(name: str, kwargs: dict) -> None:
    x = nt.tensor(_data((2, 4)), requires_grad=True)
    kw = _kwargs(nt, kwargs)
    assert nt.autograd.gradgradcheck(lambda t: getattr(F, name)(t, **kw), (x,))


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_double_backward_matches_torch(name: str) -> None:
    torch = pytest.importorskip("torch")
    data = _data()
    x, tx = nt.tensor(data, requires_grad=True), torch.tensor(data, requires_grad=True)
    g = nt.autograd.grad((getattr(F, name)(x, dim=1) ** 2).sum(), x, create_graph=True)[0]
    tg = torch.autograd.grad(
        (getattr(torch.nn.functional, name)(tx, dim=1) ** 2).sum(), tx, create_graph=True
    )[0]
    (g.sin()).sum().backward()
    (tg.sin()).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), atol=1e-10)


def test_exact_gelu_double_backward_raises_clearly() -> None:
    x = nt.randn(3, dtype=nt.float64, requires_grad=True)
    g = nt.autograd.grad(F.gelu(x).sum(), x, create_graph=True)[0]
    with pytest.raises(RuntimeError, match="GELU.*double backward"):
        g.sum().backward()


@pytest.mark.parametrize("shape", [(), (4,), (2, 3), (2, 3, 4), (2, 3, 4, 5)])
@pytest.mark.parametrize("name", ["softmax", "log_softmax", "softmin"])
def test_implicit_dim_matches_torch_and_warns(shape: tuple[int, ...], name: str) -> None:
    torch = pytest.importorskip("torch")
    data = np.random.default_rng(0).standard_normal(shape)
    with pytest.warns(UserWarning, match=f"Implicit dimension choice for {name}") as record:
        out = getattr(F, name)(nt.tensor(data))
    assert record[0].filename == __file__  # the warning points at the caller's line
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = getattr(torch.nn.functional, name)(torch.tensor(data))
    np.testing.assert_allclose(out.numpy(), expected.numpy(), atol=1e-12)


def test_softmax_bad_dim() -> None:
    with pytest.raises(IndexError, match="Dimension out of range"):
        F.softmax(nt.randn(2, 3), dim=2)


def test_extreme_values_stay_finite() -> None:
    x = nt.tensor([[1000.0, -1000.0, 0.0], [-1e4, -1e4, -1e4]], requires_grad=True)
    for fn in (lambda t: F.softmax(t, dim=1), lambda t: F.log_softmax(t, dim=1)):
        out = fn(x)
        out.sum().backward()
        assert np.isfinite(out.detach().numpy()).all() and np.isfinite(x.grad.numpy()).all()
        x.grad = None
    big = nt.tensor([-100.0, 100.0, -1000.0, 1000.0], requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow warnings either
        for fn in (F.softplus, F.silu, F.logsigmoid, F.elu, F.gelu):
            out = fn(big)
            out.sum().backward()
            assert np.isfinite(out.detach().numpy()).all(), fn
            assert np.isfinite(big.grad.numpy()).all(), fn
            big.grad = None


def test_softmax_rows_sum_to_one() -> None:
    out = F.softmax(nt.randn(6, 10), dim=1)
    np.testing.assert_allclose(out.sum(1).numpy(), np.ones(6), rtol=1e-6)


def test_erf_fallback_is_accurate(monkeypatch: pytest.MonkeyPatch) -> None:
    from nettrain import backend

    monkeypatch.setitem(backend._ERF, "numpy", None)  # as if scipy were not installed
    x = np.linspace(-7, 7, 2001)
    expected = np.array([math.erf(v) for v in x])
    np.testing.assert_allclose(activation_ops.erf(np, x), expected, atol=2e-15)
    x32 = x.astype(np.float32)
    result = activation_ops.erf(np, x32)
    assert result.dtype == np.float32
    np.testing.assert_allclose(result, expected, atol=2e-6)


def test_import_does_not_load_scipy_until_gelu_runs() -> None:
    code = (
        "import sys, nettrain, nettrain.nn.functional as F\n"
        "assert 'scipy' not in sys.modules, 'import nettrain loaded scipy'\n"
        "F.gelu(nettrain.randn(3))\n"
        "print('scipy.special' in sys.modules)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    has_scipy = importlib.util.find_spec("scipy") is not None
    assert result.stdout.strip() == str(has_scipy)


def test_cupy_erf_is_cupyx_special(monkeypatch: pytest.MonkeyPatch) -> None:
    """On cupy, GELU's erf is cupyx's one kernel, not the masked series (a stand-in module)."""
    import types

    from nettrain import backend

    sentinel = object()
    fake_cupyx = types.ModuleType("cupyx")
    fake_cupyx.scipy = types.ModuleType("cupyx.scipy")
    fake_cupyx.scipy.special = types.ModuleType("cupyx.scipy.special")
    fake_cupyx.scipy.special.erf = lambda x: sentinel
    for name, module in [
        ("cupyx", fake_cupyx),
        ("cupyx.scipy", fake_cupyx.scipy),
        ("cupyx.scipy.special", fake_cupyx.scipy.special),
    ]:
        monkeypatch.setitem(sys.modules, name, module)
    fake_cupy = types.ModuleType("cupy")
    monkeypatch.delitem(backend._ERF, "cupy", raising=False)
    assert activation_ops.erf(fake_cupy, np.zeros(2)) is sentinel


def test_gelu_rejects_unknown_approximation() -> None:
    with pytest.raises(ValueError, match="none or tanh"):
        F.gelu(nt.randn(2), approximate="erf")
