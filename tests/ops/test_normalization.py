"""Normalization ops through ``nn.functional``: batch_norm, layer_norm, group_norm.

Values and all gradients against PyTorch (float32/float64), running statistics updates,
float64 gradcheck and gradgradcheck (the fused op supports double backward).
"""

from __future__ import annotations

import numpy as np
import pytest

import nettrain as nt
import nettrain.nn.functional as F
from nettrain.errors import ShapeError
from tests.helpers.opcheck import Case, check_against_torch, check_gradcheck, params


def _bn_train(L, x, w, b):
    return L.nn.functional.batch_norm(x, None, None, w, b, training=True, eps=1e-3)


def _bn_train_plain(L, x):
    return L.nn.functional.batch_norm(x, None, None, training=True)


_RUNNING = (np.array([0.3, -0.2]), np.array([0.7, 1.6]))


def _bn_eval(L, x, w, b):
    mean, var = (L.tensor(s, dtype=x.dtype) for s in _RUNNING)  # constants, as in eval
    return L.nn.functional.batch_norm(x, mean, var, w, b, training=False)


CASES = [
    Case("bn_train_2d", _bn_train, [((5, 3), (3,), (3,))]),
    Case("bn_train_4d", _bn_train, [((3, 2, 3, 2), (2,), (2,))]),
    Case("bn_train_3d_no_affine", _bn_train_plain, [((4, 2, 3),)]),
    Case("bn_eval", _bn_eval, [((3, 2, 2, 2), (2,), (2,))]),
    Case(
        "layer_norm",
        lambda L, x, w, b: L.nn.functional.layer_norm(x, (3, 2), w, b),
        [((2, 4, 3, 2), (3, 2), (3, 2))],
    ),
    Case(
        "layer_norm_plain", lambda L, x: L.nn.functional.layer_norm(x, [4], eps=1e-2), [((3, 4),)]
    ),
    Case(
        "group_norm",
        lambda L, x, w, b: L.nn.functional.group_norm(x, 2, w, b),
        [((2, 4, 3, 2), (4,), (4,))],
    ),
    Case("group_norm_one", lambda L, x: L.nn.functional.group_norm(x, 1), [((3, 2, 4),)]),
    Case("instance_like", lambda L, x, w: L.nn.functional.group_norm(x, 3, w), [((2, 3, 5), (3,))]),
]


@pytest.mark.parametrize("case", params(CASES))
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_against_torch(case: Case, dtype: str) -> None:
    check_against_torch(case, dtype)


@pytest.mark.parametrize("case", params(CASES))
def test_gradcheck(case: Case) -> None:
    check_gradcheck(case)


@pytest.mark.parametrize("case", params(CASES[:3] + CASES[4:7]))
def test_double_backward(case: Case) -> None:
    rng = np.random.default_rng(3)
    shapes = case.shapes[0]
    inputs = [nt.tensor(rng.standard_normal(s), requires_grad=True) for s in shapes]
    assert nt.autograd.gradgradcheck(lambda *xs: case.fn(nt, *xs), inputs)


@pytest.mark.parametrize("momentum", [0.1, 0.5])
@pytest.mark.parametrize("shape", [(6, 3), (4, 3, 5), (2, 3, 2, 2)])
def test_running_statistics_match_torch(momentum: float, shape: tuple) -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    mean, var = rng.standard_normal(3), rng.uniform(0.5, 2, 3)
    mine = (nt.tensor(mean), nt.tensor(var))
    theirs = (torch.tensor(mean), torch.tensor(var))
    for step in range(3):
        x = rng.standard_normal(shape) * (step + 1) + step
        out = F.batch_norm(nt.tensor(x), *mine, training=True, momentum=momentum)
        ref = torch.nn.functional.batch_norm(
            torch.tensor(x), *theirs, training=True, momentum=momentum
        )
        np.testing.assert_allclose(out.numpy(), ref.numpy(), rtol=1e-10, atol=1e-10)
    for m, t in zip(mine, theirs):  # running_var uses the unbiased batch variance
        np.testing.assert_allclose(m.numpy(), t.numpy(), rtol=1e-12, atol=1e-12)


def test_float32_and_device(device: str) -> None:
    x = nt.randn(8, 3, 4, 4, device=device, requires_grad=True)
    rm, rv = nt.zeros(3, device=device), nt.ones(3, device=device)
    w = nt.ones(3, device=device, requires_grad=True)
    y = F.batch_norm(x, rm, rv, w, None, training=True)
    assert y.dtype == nt.float32 and rm.dtype == nt.float32
    y.pow(2).sum().backward()
    assert x.grad.dtype == nt.float32 and w.grad.dtype == nt.float32
    stats = y.detach().cpu().numpy()
    np.testing.assert_allclose(stats.mean(axis=(0, 2, 3)), 0, atol=1e-5)
    np.testing.assert_allclose(stats.var(axis=(0, 2, 3)), 1, atol=1e-3)


def test_errors() -> None:
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        F.batch_norm(nt.randn(1, 3), None, None, training=True)
    with pytest.raises(ShapeError, match=r"running_mean should have shape \(3,\)"):
        F.batch_norm(nt.randn(4, 3), nt.zeros(2), nt.ones(2))
    with pytest.raises(ShapeError, match=r"expected input with shape \[\*, 5\]"):
        F.layer_norm(nt.randn(2, 4), [5])
    with pytest.raises(ShapeError, match="divisible by num_groups=3"):
        F.group_norm(nt.randn(2, 4, 3), 3)
