"""create_graph=True: gradgradcheck on elementwise, matmul and reduction ops, and torch
as oracle for second derivatives."""

from __future__ import annotations

import numpy as np
import pytest

import nettrain as nt
from nettrain.autograd import gradgradcheck
from nettrain.ops import Op

CASES = {
    "mul": (lambda a, b: a * b, [(2, 3), (3,)]),
    "div": (lambda a, b: a / (b * b + 1.0), [(2, 3), (2, 3)]),
    "pow_scalar": (lambda a: a**3, [(4,)]),
    "pow_tensor": (lambda a, b: (a * a + 1.0) ** b, [(3,), (3,)]),
    "exp_log": (lambda a: (a.exp() + 1.0).log(), [(2, 2)]),
    "sqrt": (lambda a: (a * a + 1.0).sqrt(), [(3,)]),
    "sin_cos": (lambda a: a.sin() * a.cos(), [(3,)]),
    "tanh": (lambda a: a.tanh(), [(2, 3)]),
    "sigmoid": (lambda a: a.sigmoid(), [(2, 3)]),
    "neg_sub": (lambda a, b: -(a - b) * a, [(3,), (1,)]),
    "maximum": (lambda a, b: nt.maximum(a, b) * a, [(4,), (4,)]),
    "matmul_2d": (lambda a, b: a @ b, [(2, 3), (3, 2)]),
    "matmul_batched": (lambda a, b: a @ b, [(2, 2, 3), (3, 2)]),
    "matmul_1d": (lambda a, b: a @ b, [(3,), (3, 2)]),
    "sum_dim": (lambda a: (a * a).sum(1), [(2, 3)]),
    "mean_keepdim": (lambda a: (a * a).mean(0, keepdim=True), [(2, 3)]),
    "amax": (lambda a: (a * a).amax(1), [(2, 3)]),
    "var": (lambda a: a.var(1), [(2, 4)]),
    "std": (lambda a: a.std(), [(2, 3)]),
    "prod_dim": (lambda a: a.prod(1), [(2, 3)]),
    "prod_all": (lambda a: a.prod(), [(2, 2)]),
    "std_dim": (lambda a: a.std(0, keepdim=True), [(2, 3)]),
    "exp_0d": (lambda a: a.exp() * a.tanh().sigmoid().sqrt(), [()]),
    "logsumexp": (lambda a: a.logsumexp(1), [(2, 3)]),
    "reshape_transpose": (lambda a: a.reshape(3, 2).T * a, [(2, 3)]),
    "index": (lambda a: a[[0, 0, 1]] * a[0], [(2, 3)]),
    "cat_stack": (
        lambda a, b: nt.cat([a, b]) * nt.stack([a, b]).sum(0).repeat(2, 1),
        [(2, 2), (2, 2)],
    ),
    "where": (lambda a, b: nt.where(a > 0, a * b, b * b), [(2, 3), (2, 3)]),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_gradgradcheck(name: str) -> None:
    fn, shapes = CASES[name]
    rng = np.random.default_rng(3)
    inputs = [nt.tensor(rng.standard_normal(s) + 0.1, requires_grad=True).double() for s in shapes]
    inputs = [i.detach().requires_grad_(True) for i in inputs]
    assert gradgradcheck(fn, inputs)


def test_second_derivative_matches_torch() -> None:
    torch = pytest.importorskip("torch")
    values = np.array([0.3, -1.2, 2.0])
    results = []
    for lib in (nt, torch):
        x = lib.tensor(values, requires_grad=True)
        y = (x.tanh() * x.exp()).sum()
        (g,) = lib.autograd.grad(y, x, create_graph=True)
        (gg,) = lib.autograd.grad((g * g).sum(), x)
        results.append(gg.detach().numpy())
    np.testing.assert_allclose(results[0], results[1], rtol=1e-10)


def test_third_order_derivative() -> None:
    x = nt.tensor(2.0, dtype=nt.float64, requires_grad=True)
    y = x**4
    (g1,) = nt.autograd.grad(y, x, create_graph=True)
    (g2,) = nt.autograd.grad(g1, x, create_graph=True)
    (g3,) = nt.autograd.grad(g2, x)
    assert g3.item() == pytest.approx(24 * 2.0)


def test_backward_create_graph_gives_differentiable_grad() -> None:
    x = nt.tensor([1.0, 2.0], requires_grad=True)
    (x**3).sum().backward(create_graph=True)
    assert x.grad.requires_grad
    x.grad.sum().backward(inputs=[x])  # d/dx sum(3x^2) added to 3x^2
    assert x.grad.tolist() == pytest.approx([3 + 6, 12 + 12])


def test_grad_without_create_graph_is_constant() -> None:
    x = nt.tensor([1.0, 2.0], requires_grad=True)
    (g,) = nt.autograd.grad((x**3).sum(), x)
    assert not g.requires_grad


class Cube(Op):
    """An op whose backward is array-only, so it opts out of double backward."""

    supports_double_backward = False

    @staticmethod
    def forward(ctx, x):  # noqa: ANN001, ANN205
        ctx.save_for_backward(x)
        return x**3

    @staticmethod
    def backward(ctx, grad):  # noqa: ANN001, ANN205
        (x,) = ctx.saved_tensors
        return grad * 3 * x**2


def test_op_without_double_backward_names_itself() -> None:
    x = nt.tensor([1.0, 2.0, 3.0], requires_grad=True)
    (g,) = nt.autograd.grad(Cube.apply(x).sum(), x, create_graph=True)
    assert g.tolist() == [3.0, 12.0, 27.0]
    with pytest.raises(RuntimeError, match="CubeBackward0 does not support double backward"):
        g.sum().backward()


def test_prod_double_backward_with_zeros() -> None:
    x = nt.tensor([[0.0, 2.0, 3.0], [1.0, 0.0, 0.0]], dtype=nt.float64, requires_grad=True)
    assert gradgradcheck(lambda a: a.prod(1), (x,))
