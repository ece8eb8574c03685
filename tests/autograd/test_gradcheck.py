"""gradcheck itself: passes on correct gradients, reports the worst element otherwise."""

from __future__ import annotations

import pytest

import nettrain as nt
from nettrain.autograd import Function, gradcheck, gradgradcheck
from nettrain.errors import GradcheckError


class WrongGrad(Function):
    @staticmethod
    def forward(ctx, x):  # noqa: ANN001, ANN205
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, grad):  # noqa: ANN001, ANN205
        (x,) = ctx.saved_tensors
        return grad * x  # should be 2 * x


def test_gradcheck_passes_on_correct_gradient() -> None:
    x = nt.randn(3, dtype=nt.float64, requires_grad=True)
    assert gradcheck(lambda t: (t * t).sum(), (x,))
    assert gradcheck(nt.tanh, x, fast_mode=True)


def test_gradcheck_reports_worst_element() -> None:
    x = nt.tensor([1.0, 3.0, 2.0], dtype=nt.float64, requires_grad=True)
    with pytest.raises(GradcheckError, match=r"input 0, element 1.*analytical 3.*numerical 6"):
        gradcheck(WrongGrad.apply, (x,))
    assert gradcheck(WrongGrad.apply, (x,), raise_exception=False) is False


def test_fast_mode_catches_wrong_gradient() -> None:
    x = nt.tensor([1.0, 3.0, 2.0], dtype=nt.float64, requires_grad=True)
    with pytest.raises(GradcheckError):
        gradcheck(WrongGrad.apply, (x,), fast_mode=True)


def test_gradcheck_requires_float64() -> None:
    x = nt.ones(2, requires_grad=True)
    with pytest.raises(GradcheckError, match="float64"):
        gradcheck(nt.exp, (x,))


def test_gradcheck_requires_an_input_with_grad() -> None:
    with pytest.raises(ValueError, match="requires_grad"):
        gradcheck(nt.exp, (nt.ones(2, dtype=nt.float64),))


class WrongDouble(Function):
    """2x, with a wrong derivative (3 instead of 2)."""

    @staticmethod
    def forward(ctx, x):  # noqa: ANN001, ANN205
        return x * 2

    @staticmethod
    def backward(ctx, grad):  # noqa: ANN001, ANN205
        return grad * 3


class SquareWrongSecond(Function):
    """x**2 with a correct first derivative whose own derivative is wrong."""

    @staticmethod
    def forward(ctx, x):  # noqa: ANN001, ANN205
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, grad):  # noqa: ANN001, ANN205
        (x,) = ctx.saved_tensors
        return grad * WrongDouble.apply(x)


def test_gradgradcheck_catches_wrong_second_derivative() -> None:
    x = nt.tensor([1.0, 3.0], dtype=nt.float64, requires_grad=True)
    assert gradgradcheck(lambda t: t**3, (x,))
    assert gradcheck(SquareWrongSecond.apply, (x,))
    with pytest.raises(GradcheckError):
        gradgradcheck(SquareWrongSecond.apply, (x,))


def test_gradcheck_does_not_change_inputs() -> None:
    x = nt.tensor([1.0, 3.0], dtype=nt.float64, requires_grad=True)
    gradcheck(lambda t: t.exp(), (x,))
    assert x.tolist() == [1.0, 3.0]
    assert x.grad is None
