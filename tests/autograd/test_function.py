"""User-defined ``Function``s (the ctx API) and the legacy ``Variable``."""

from __future__ import annotations

import numpy as np
import pytest

import nettrain as nt
from nettrain.autograd import Function, Variable


class Cube(Function):
    @staticmethod
    def forward(ctx, x):  # noqa: ANN001, ANN205
        ctx.save_for_backward(x)
        return x**3

    @staticmethod
    def backward(ctx, grad):  # noqa: ANN001, ANN205
        (x,) = ctx.saved_tensors
        return 3 * x**2 * grad


class ScaleBy(Function):
    """Non-tensor argument: its gradient is None; needs_input_grad says so."""

    @staticmethod
    def forward(ctx, x, factor, y):  # noqa: ANN001, ANN205
        ctx.factor = factor
        ctx.needs = ctx.needs_input_grad
        ctx.save_for_backward(x, y)
        return x * factor + y

    @staticmethod
    def backward(ctx, grad):  # noqa: ANN001, ANN205
        assert ctx.needs_input_grad == ctx.needs
        gx = grad * ctx.factor if ctx.needs_input_grad[0] else None
        gy = grad if ctx.needs_input_grad[2] else None
        return gx, None, gy


class SortWithIndices(Function):
    @staticmethod
    def forward(ctx, x):  # noqa: ANN001, ANN205
        order = nt.tensor(np.argsort(x.detach().numpy()))
        ctx.mark_non_differentiable(order)
        ctx.order = order
        return x[order], order

    @staticmethod
    def backward(ctx, grad_values, grad_order):  # noqa: ANN001, ANN205
        out = nt.zeros_like(grad_values)
        out[ctx.order] = grad_values
        return out


def test_custom_function_forward_backward_and_gradcheck() -> None:
    x = nt.tensor([1.0, -2.0, 0.5], dtype=nt.float64, requires_grad=True)
    y = Cube.apply(x)
    assert y.requires_grad and y.grad_fn.name() == "CubeBackward"
    assert repr(y.grad_fn) == "<CubeBackward>"
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 3 * x.detach().numpy() ** 2)
    assert nt.autograd.gradcheck(Cube.apply, (x,))


def test_custom_function_forward_does_not_record() -> None:
    seen = []

    class Probe(Function):
        @staticmethod
        def forward(ctx, x):  # noqa: ANN001, ANN205
            inner = x * 2
            seen.append(inner.requires_grad)
            return inner

        @staticmethod
        def backward(ctx, grad):  # noqa: ANN001, ANN205
            return grad * 2

    x = nt.ones(2, requires_grad=True)
    Probe.apply(x).sum().backward()
    assert seen == [False]
    assert x.grad.tolist() == [2.0, 2.0]


def test_needs_input_grad_and_non_tensor_args() -> None:
    x = nt.ones(2, requires_grad=True)
    y = nt.ones(2)
    out = ScaleBy.apply(x, 3.0, y)
    out.sum().backward()
    assert x.grad.tolist() == [3.0, 3.0]
    assert y.grad is None
    z = nt.ones(2, requires_grad=True)
    ScaleBy.apply(nt.ones(2), 2.0, z).sum().backward()
    assert z.grad.tolist() == [1.0, 1.0]


def test_no_input_requires_grad_means_no_graph() -> None:
    out = Cube.apply(nt.ones(2))
    assert not out.requires_grad and out.grad_fn is None


def test_mark_non_differentiable_output() -> None:
    x = nt.tensor([3.0, 1.0, 2.0], requires_grad=True)
    values, order = SortWithIndices.apply(x)
    assert values.tolist() == [1.0, 2.0, 3.0]
    assert not order.requires_grad
    (values * nt.tensor([1.0, 2.0, 3.0])).sum().backward()
    assert x.grad.tolist() == [3.0, 1.0, 2.0]


def test_saved_tensors_freed_after_backward() -> None:
    x = nt.ones(2, requires_grad=True)
    y = Cube.apply(x)
    node = y.grad_fn
    y.sum().backward()
    with pytest.raises(RuntimeError, match="second time"):
        node.saved_tensors  # noqa: B018


def test_wrong_number_of_gradients_raises() -> None:
    class Bad(Function):
        @staticmethod
        def forward(ctx, x, y):  # noqa: ANN001, ANN205
            return x + y

        @staticmethod
        def backward(ctx, grad):  # noqa: ANN001, ANN205
            return grad

    a, b = nt.ones(1, requires_grad=True), nt.ones(1, requires_grad=True)
    with pytest.raises(RuntimeError, match="incorrect number of gradients"):
        Bad.apply(a, b).sum().backward()


def test_forward_must_return_tensors() -> None:
    class Bad(Function):
        @staticmethod
        def forward(ctx, x):  # noqa: ANN001, ANN205
            return 3

        @staticmethod
        def backward(ctx, grad):  # noqa: ANN001, ANN205
            return grad

    with pytest.raises(TypeError, match="must return Tensors"):
        Bad.apply(nt.ones(1, requires_grad=True))


def test_custom_function_double_backward() -> None:
    x = nt.tensor([1.0, 2.0], dtype=nt.float64, requires_grad=True)
    (g,) = nt.autograd.grad(Cube.apply(x).sum(), x, create_graph=True)
    (gg,) = nt.autograd.grad(g.sum(), x)
    np.testing.assert_allclose(gg.numpy(), 6 * x.detach().numpy())


def test_in_place_change_of_saved_tensor_in_custom_function() -> None:
    x = nt.ones(2, requires_grad=True)
    h = x * 1.0
    y = Cube.apply(h)
    h.add_(1.0)
    with pytest.raises(RuntimeError, match="CubeBackward.*version 1.*expected version 0"):
        y.sum().backward()


def test_variable_is_a_tensor() -> None:
    v = Variable(nt.ones(2), requires_grad=True)
    assert isinstance(v, nt.Tensor) and isinstance(v, Variable)
    assert v.requires_grad
    (v * 2).sum().backward()
    assert v.grad.tolist() == [2.0, 2.0]
    assert not Variable(nt.ones(1)).requires_grad
    assert isinstance(nt.ones(1), Variable)
