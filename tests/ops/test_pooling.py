"""Pooling ops through ``nn.functional``: max_pool2d, avg_pool2d, adaptive_avg_pool2d.

PyTorch is the oracle for values, indices and gradients (float32 and float64); gradcheck
in float64 covers every geometry: tiling fast path, overlap, padding, dilation, ceil_mode.
"""

from __future__ import annotations

import numpy as np
import pytest

import nettrain as nt
import nettrain.nn.functional as F
from nettrain.errors import ShapeError
from tests.helpers.opcheck import Case, check_against_torch, check_gradcheck, params


def _case(name, fn, shapes):  # noqa: N802
    """A case on well-separated values: no ties inside a window, so max's gradient is
    unique and finite differences never cross a switch between maxima."""
    return Case(name, fn, shapes, domain="distinct")


def _max(**kw):
    return lambda L, x: L.nn.functional.max_pool2d(x, **kw)


def _avg(**kw):
    return lambda L, x: L.nn.functional.avg_pool2d(x, **kw)


def _adaptive(size):
    return lambda L, x: L.nn.functional.adaptive_avg_pool2d(x, size)


MAX_CASES = [
    _case("max_tiles", _max(kernel_size=2), [((2, 3, 6, 4),)]),
    _case("max_tiles_crop", _max(kernel_size=2), [((1, 2, 5, 7),)]),
    _case("max_overlap", _max(kernel_size=3, stride=1), [((1, 2, 5, 5),)]),
    _case(
        "max_pad_ceil", _max(kernel_size=3, stride=2, padding=1, ceil_mode=True), [((2, 2, 6, 7),)]
    ),
    _case(
        "max_dilation", _max(kernel_size=(2, 3), stride=(1, 2), dilation=(2, 1)), [((1, 2, 6, 7),)]
    ),
    _case("max_ceil", _max(kernel_size=2, stride=2, ceil_mode=True), [((1, 1, 5, 5),)]),
    _case("max_unbatched", _max(kernel_size=2, stride=1), [((2, 4, 4),)]),
]
AVG_CASES = [
    _case("avg_tiles", _avg(kernel_size=2), [((2, 3, 4, 6),)]),
    _case("avg_overlap", _avg(kernel_size=3, stride=1), [((1, 2, 5, 4),)]),
    _case("avg_pad", _avg(kernel_size=3, stride=2, padding=1), [((2, 2, 6, 5),)]),
    _case(
        "avg_pad_ceil_exclude",
        _avg(kernel_size=3, stride=2, padding=1, ceil_mode=True, count_include_pad=False),
        [((1, 2, 6, 7),)],
    ),
    _case(
        "avg_ceil_include",
        _avg(kernel_size=3, stride=2, padding=1, ceil_mode=True),
        [((1, 1, 6, 6),)],
    ),
    _case(
        "avg_divisor",
        _avg(kernel_size=(3, 2), stride=(2, 1), padding=(1, 0), divisor_override=5),
        [((1, 2, 5, 4),)],
    ),
    _case("adaptive_even", _adaptive((2, 3)), [((2, 2, 4, 6),)]),
    _case("adaptive_uneven", _adaptive((3, 4)), [((1, 2, 5, 7),)]),
    _case("adaptive_none", _adaptive((None, 2)), [((1, 2, 3, 5),)]),
    _case("adaptive_one", _adaptive(1), [((2, 3, 3, 5),)]),
]


@pytest.mark.parametrize("case", params(MAX_CASES + AVG_CASES))
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_against_torch(case: Case, dtype: str) -> None:
    check_against_torch(case, dtype)


@pytest.mark.parametrize("case", params(MAX_CASES + AVG_CASES))
def test_gradcheck(case: Case) -> None:
    check_gradcheck(case)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"kernel_size": 2},
        {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True},
        {"kernel_size": (2, 3), "stride": (1, 2), "dilation": (2, 1)},
    ],
)
def test_return_indices_match_torch(kwargs: dict) -> None:
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(0).standard_normal((2, 3, 7, 8))
    values, indices = F.max_pool2d(nt.tensor(x), return_indices=True, **kwargs)
    ref_values, ref_indices = torch.nn.functional.max_pool2d(
        torch.tensor(x), return_indices=True, **kwargs
    )
    np.testing.assert_array_equal(indices.numpy(), ref_indices.numpy())
    np.testing.assert_array_equal(values.numpy(), ref_values.numpy())
    assert indices.dtype == nt.int64 and not indices.requires_grad


def test_ties_route_gradient_to_first_maximum() -> None:
    torch = pytest.importorskip("torch")
    x = np.zeros((1, 1, 4, 4))
    mine = nt.tensor(x, requires_grad=True)
    theirs = torch.tensor(x, requires_grad=True)
    F.max_pool2d(mine, 2).sum().backward()
    torch.nn.functional.max_pool2d(theirs, 2).sum().backward()
    np.testing.assert_array_equal(mine.grad.numpy(), theirs.grad.numpy())


def test_avg_pool_double_backward() -> None:
    x = nt.randn(1, 1, 5, 5, dtype=nt.float64, requires_grad=True)
    assert nt.autograd.gradgradcheck(lambda t: F.avg_pool2d(t, 3, 2, 1) ** 2, (x,))


def test_float32_and_device(device: str) -> None:
    x = nt.randn(2, 3, 8, 8, device=device, requires_grad=True)
    for y in (F.max_pool2d(x, 2), F.avg_pool2d(x, 3, 2, 1), F.adaptive_avg_pool2d(x, 3)):
        assert y.dtype == nt.float32
        y.sum().backward()
    assert x.grad.dtype == nt.float32
    ref = F.max_pool2d(x.detach().cpu(), 2)
    np.testing.assert_array_equal(F.max_pool2d(x, 2).detach().cpu().numpy(), ref.numpy())


def test_errors() -> None:
    with pytest.raises(ShapeError, match=r"got input of shape \(4, 4\)"):
        F.max_pool2d(nt.randn(4, 4), 2)
    with pytest.raises(ValueError, match="pad should be at most half"):
        F.max_pool2d(nt.randn(1, 1, 6, 6), 2, padding=2)
    with pytest.raises(RuntimeError, match="expected a floating point input"):
        F.avg_pool2d(nt.ones(1, 1, 4, 4, dtype=nt.int64), 2)
    with pytest.raises(ValueError, match="stride must be positive"):
        F.avg_pool2d(nt.randn(1, 1, 4, 4), 2, stride=0)
    with pytest.raises(ShapeError, match="too small"):
        F.avg_pool2d(nt.randn(1, 1, 2, 2), 3)


def test_nan_propagates_with_torch_index() -> None:
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(0).standard_normal((1, 2, 6, 6))
    x[0, 0, 1, 1] = x[0, 0, 0, 1] = x[0, 1, 4, 4] = np.nan
    values, indices = F.max_pool2d(nt.tensor(x), 3, 2, 1, return_indices=True)
    ref_values, ref_indices = torch.nn.functional.max_pool2d(
        torch.tensor(x), 3, 2, 1, return_indices=True
    )
    np.testing.assert_array_equal(values.numpy(), ref_values.numpy())  # NaN where torch has NaN
    np.testing.assert_array_equal(indices.numpy(), ref_indices.numpy())


@pytest.mark.parametrize("shape", [(2, 3, 6, 8), (2, 2, 7, 5)])
def test_pair_pool_ties_match_torch(shape: tuple[int, ...]) -> None:
    """The 2x2 stride-2 path on ReLU-like data (many zeros, so ties at every window
    position), with an odd size cropped: values, indices and gradient equal PyTorch's."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    x = np.maximum(rng.integers(-2, 3, size=shape), 0).astype(np.float32)
    g = rng.standard_normal((shape[0], shape[1], shape[2] // 2, shape[3] // 2))
    mine = nt.tensor(x, requires_grad=True)
    theirs = torch.tensor(x, requires_grad=True)
    values, indices = F.max_pool2d(mine, 2, return_indices=True)
    ref_values, ref_indices = torch.nn.functional.max_pool2d(theirs, 2, return_indices=True)
    values.backward(nt.tensor(g.astype(np.float32)))
    ref_values.backward(torch.tensor(g.astype(np.float32)))
    np.testing.assert_array_equal(values.detach().numpy(), ref_values.detach().numpy())
    np.testing.assert_array_equal(indices.numpy(), ref_indices.numpy())
    np.testing.assert_array_equal(mine.grad.numpy(), theirs.grad.numpy())
    assert values.dtype == nt.float32 and mine.grad.dtype == nt.float32


def test_pair_pool_nan_and_inf_gradient_match_torch() -> None:
    """NaN inputs (PyTorch indexes the last NaN) and an infinite upstream gradient (no
    ``inf * 0``) leave the 2x2 path for the general one, with PyTorch's results."""
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(2).standard_normal((1, 2, 4, 6))
    x[0, 0, 0, 1] = x[0, 0, 1, 0] = x[0, 1, 3, 5] = np.nan
    values, indices = F.max_pool2d(nt.tensor(x), 2, return_indices=True)
    ref_values, ref_indices = torch.nn.functional.max_pool2d(
        torch.tensor(x), 2, return_indices=True
    )
    np.testing.assert_array_equal(values.numpy(), ref_values.numpy())
    np.testing.assert_array_equal(indices.numpy(), ref_indices.numpy())
    x = np.random.default_rng(3).standard_normal((1, 1, 4, 4))
    g = np.ones((1, 1, 2, 2))
    g[0, 0, 1, 0] = np.inf
    mine = nt.tensor(x, requires_grad=True)
    theirs = torch.tensor(x, requires_grad=True)
    F.max_pool2d(mine, 2).backward(nt.tensor(g))
    torch.nn.functional.max_pool2d(theirs, 2).backward(torch.tensor(g))
    np.testing.assert_array_equal(mine.grad.numpy(), theirs.grad.numpy())


def test_pair_pool_integer_input() -> None:
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(4).integers(-5, 5, size=(2, 2, 6, 4))
    values, indices = F.max_pool2d(nt.tensor(x), 2, return_indices=True)
    ref_values, ref_indices = torch.nn.functional.max_pool2d(
        torch.tensor(x).double(), 2, return_indices=True
    )
    assert values.dtype == nt.int64
    np.testing.assert_array_equal(values.numpy(), ref_values.numpy().astype(np.int64))
    np.testing.assert_array_equal(indices.numpy(), ref_indices.numpy())
