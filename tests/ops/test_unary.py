"""Unary math ops: gradcheck in float64 and PyTorch as oracle in float32/float64."""

from __future__ import annotations

import numpy as np
import pytest

import nettrain as nt
from tests.helpers.opcheck import Case, check_against_torch, check_gradcheck, params

# isnan/isfinite cases take log of negatives on purpose
pytestmark = pytest.mark.filterwarnings("ignore:invalid value encountered in log:RuntimeWarning")

SHAPES = [((2, 3),), ((5,),), ((),), ((2, 1, 3),)]

CASES = [
    Case("exp_method", lambda L, x: x.exp(), SHAPES[:1]),
    Case("abs_builtin", lambda L, x: abs(x), SHAPES[:1], domain="nonzero"),
    Case("sigmoid_method", lambda L, x: (x * 30.0).sigmoid(), SHAPES[:1]),
    Case("relu_method", lambda L, x: x.relu(), SHAPES[:1], domain="nonzero"),
    Case("clamp_min", lambda L, x: L.clamp(x, min=0.1), SHAPES, domain="nonzero"),
    Case("clamp_max", lambda L, x: x.clamp(max=0.4), SHAPES, domain="nonzero"),
    Case("clip", lambda L, x: L.clip(x, -1.0, 1.0), SHAPES[:1], domain="nonzero"),
    Case("pow_method", lambda L, x: x.pow(2.5), SHAPES, domain="pos"),
    Case("composite", lambda L, x: L.tanh(L.exp(x) * L.sin(x)) + L.sqrt(x * x + 1.0), SHAPES),
]

ZERO_GRAD = [
    Case(name, fn, SHAPES[:2], gradcheck=False)
    for name, fn in [
        ("sign_grad", lambda L, x: L.sign(x) * x),
        ("floor_grad", lambda L, x: L.floor(x * 3) + x),
        ("ceil_grad", lambda L, x: x.ceil()),
        ("round_grad", lambda L, x: L.round(x * 3)),
    ]
]

NO_GRAD = [
    Case(name, fn, SHAPES, grad=False, gradcheck=False)
    for name, fn in [
        ("sign", lambda L, x: L.sign(x)),
        ("floor", lambda L, x: L.floor(x * 3)),
        ("ceil", lambda L, x: L.ceil(x * 3)),
        ("round", lambda L, x: L.round(x * 3)),
        ("isnan", lambda L, x: L.isnan(L.log(x))),
        ("isfinite", lambda L, x: L.isfinite(L.log(x))),
    ]
]


@pytest.mark.parametrize("case", params(CASES))
def test_gradcheck(case: Case) -> None:
    check_gradcheck(case)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("case", params(CASES + ZERO_GRAD + NO_GRAD))
def test_matches_torch(case: Case, dtype: str, device: str) -> None:
    check_against_torch(case, dtype, device)


def test_sigmoid_has_no_overflow_for_large_inputs() -> None:
    with np.errstate(over="raise", invalid="raise"):
        out = nt.sigmoid(nt.tensor([-1000.0, 0.0, 1000.0]))
    np.testing.assert_allclose(out.numpy(), [0.0, 0.5, 1.0])


def test_clamp_needs_a_bound() -> None:
    with pytest.raises(RuntimeError, match="min.*max"):
        nt.clamp(nt.ones(2))


@pytest.mark.parametrize("name", ["relu", "abs", "clamp"])
def test_kink_gradient_at_zero_matches_torch(name: str) -> None:
    torch = pytest.importorskip("torch")
    values = np.array([-1.0, 0.0, 1.0])
    x, tx = nt.tensor(values, requires_grad=True), torch.tensor(values, requires_grad=True)
    fns = {
        "relu": lambda L, v: L.relu(v),
        "abs": lambda L, v: L.abs(v),
        "clamp": lambda L, v: L.clamp(v, 0.0, 1.0),
    }
    fns[name](nt, x).sum().backward()
    fns[name](torch, tx).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), tx.grad.numpy())
