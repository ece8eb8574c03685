"""Binary arithmetic, reflected operators, unary minus and comparisons.

Every op is gradchecked in float64 on several broadcasting shape sets and compared with
PyTorch (value, dtype and input gradients) in float32 and float64; hypothesis draws
further broadcast-compatible shape pairs.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import nettrain as nt
from tests.helpers.opcheck import Case, check_against_torch, check_gradcheck, params

BROADCAST = [((2, 3), (2, 3)), ((2, 3), (3,)), ((4, 1, 3), (2, 1)), ((), (2, 2)), ((1, 3), (2, 1))]
ONE = [((2, 3),), ((4,),), ((),)]

CASES = [
    Case("add_fn_alpha", lambda L, a, b: L.add(a, b, alpha=2.5), BROADCAST[:3]),
    Case("sub_fn_alpha", lambda L, a, b: L.sub(a, b, alpha=-0.5), BROADCAST[:3]),
    Case("mul_same_tensor", lambda L, a: a * a, ONE),
    Case("pow_tensor_scalar", lambda L, a: a**3, ONE),
    Case("pow_tensor_float_scalar", lambda L, a: a**1.7, ONE, domain="pos"),
    Case("pow_tensor_negative_scalar", lambda L, a: a**-2, ONE, domain="nonzero"),
    Case("pow_tensor_zero", lambda L, a: a**0, ONE),
    Case("pow_scalar_tensor", lambda L, a: 2.0**a, ONE),
    Case("pow_fn", lambda L, a, b: L.pow(a, b), BROADCAST[:2], domain=("pos", "any")),
    Case("neg_fn", lambda L, a: L.neg(a), ONE[:1]),
    Case("radd", lambda L, a: 1.5 + a, ONE),
    Case("rsub", lambda L, a: 1.5 - a, ONE),
    Case("rmul", lambda L, a: 3 * a, ONE),
    Case("rdiv", lambda L, a: 2.0 / a, ONE, domain="nonzero"),
    Case("add_int_scalar", lambda L, a: a + 2, ONE),
    Case("maximum_method", lambda L, a, b: a.maximum(b), BROADCAST[:2]),
    Case("square", lambda L, a: L.square(a), ONE[:1]),
    Case("reciprocal", lambda L, a: a.reciprocal(), ONE[:1], domain="nonzero"),
    Case("rsqrt", lambda L, a: L.rsqrt(a), ONE[:1], domain="pos"),
    Case("chain", lambda L, a, b: (a * b + a) / (b * b + 1.0) - b**2, BROADCAST),
]

COMPARISONS = [
    Case(name, fn, BROADCAST, grad=False, gradcheck=False)
    for name, fn in [
        ("eq", lambda L, a, b: a == b.round()),
        ("ne", lambda L, a, b: a != b),
        ("lt", lambda L, a, b: a < b),
        ("le", lambda L, a, b: a <= b),
        ("gt", lambda L, a, b: a > b),
        ("ge", lambda L, a, b: a >= b),
        ("gt_scalar", lambda L, a, b: a > 0.1),
        ("lt_fn", lambda L, a, b: L.lt(a, b)),
        ("ge_fn", lambda L, a, b: L.ge(a, b)),
    ]
]


@pytest.mark.parametrize("case", params(CASES))
def test_gradcheck(case: Case) -> None:
    check_gradcheck(case)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("case", params(CASES + COMPARISONS))
def test_matches_torch(case: Case, dtype: str, device: str) -> None:
    check_against_torch(case, dtype, device)


def test_comparisons_have_no_gradient() -> None:
    a = nt.randn(3, requires_grad=True)
    out = a > 0
    assert out.dtype == nt.bool
    assert not out.requires_grad and out.grad_fn is None


def test_pow_of_positive_base_tensor_tensor_grad_of_exponent() -> None:
    torch = pytest.importorskip("torch")
    base = np.array([0.5, 1.0, 2.0, 3.0])
    exp = np.array([1.5, -1.0, 0.0, 2.0])
    a, b = nt.tensor(base, requires_grad=True), nt.tensor(exp, requires_grad=True)
    ta, tb = torch.tensor(base, requires_grad=True), torch.tensor(exp, requires_grad=True)
    (a**b).sum().backward()
    (ta**tb).sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), ta.grad.numpy(), rtol=1e-5)
    np.testing.assert_allclose(b.grad.numpy(), tb.grad.numpy(), rtol=1e-5)


def test_maximum_ties_split_gradient_like_torch() -> None:
    torch = pytest.importorskip("torch")
    values = np.array([1.0, 2.0, 3.0])
    a, b = nt.tensor(values, requires_grad=True), nt.tensor(values.copy(), requires_grad=True)
    ta, tb = torch.tensor(values, requires_grad=True), torch.tensor(values, requires_grad=True)
    nt.maximum(a, b).sum().backward()
    torch.maximum(ta, tb).sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), ta.grad.numpy())
    np.testing.assert_allclose(b.grad.numpy(), tb.grad.numpy())


def test_broadcast_mismatch_raises() -> None:
    with pytest.raises((ValueError, RuntimeError)):
        nt.ones(2, 3) + nt.ones(4)


# -- property tests: any broadcast-compatible pair of shapes --------------------------

BINARY = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / (b * b + 1.0),
    "maximum": lambda a, b: a.maximum(b),
}


@settings(max_examples=25, deadline=None)
@given(
    shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=4, max_side=3),
    op=st.sampled_from(sorted(BINARY)),
)
def test_broadcasting_property(shapes: object, op: str) -> None:
    torch = pytest.importorskip("torch")
    shape_a, shape_b = shapes.input_shapes
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal(shape_a), rng.standard_normal(shape_b)
    fn = BINARY[op]
    a, b = nt.tensor(x, requires_grad=True), nt.tensor(y, requires_grad=True)
    ta, tb = torch.tensor(x, requires_grad=True), torch.tensor(y, requires_grad=True)
    out, ref = fn(a, b), fn(ta, tb)
    assert out.shape == shapes.result_shape == tuple(ref.shape)
    np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), rtol=1e-12)
    upstream = rng.standard_normal(shapes.result_shape)
    out.backward(nt.tensor(upstream))
    ref.backward(torch.tensor(upstream))
    assert a.grad.shape == a.shape and b.grad.shape == b.shape
    np.testing.assert_allclose(a.grad.numpy(), ta.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(b.grad.numpy(), tb.grad.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize(
    ("base", "exponent"),
    [([0.0, 2.0], [2.0, 1.0]), ([0.0, 1.0], [0.5, 3.0]), (0.0, [1.0, 2.0])],
)
def test_pow_with_zero_base_has_finite_gradients_like_torch(base: object, exponent: list) -> None:
    torch = pytest.importorskip("torch")
    results = []
    for lib in (nt, torch):
        e = lib.tensor(exponent, dtype=lib.float64, requires_grad=True)
        b = base if isinstance(base, float) else lib.tensor(base, dtype=lib.float64)
        (b**e).sum().backward()
        results.append(e.grad.numpy())
    np.testing.assert_allclose(results[0], results[1])
