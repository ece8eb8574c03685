"""Elementwise unary functions (``nt.exp``, ``nt.tanh``, ``nt.clamp``, ``nt.isnan`` ...)."""

from __future__ import annotations

from typing import Any

from nettrain.backend import get_array_module
from nettrain.functions._common import _plain
from nettrain.ops import arithmetic, unary
from nettrain.tensor import Tensor


def exp(input: Tensor) -> Tensor:  # noqa: A002
    """Elementwise e**x."""
    return unary.Exp.apply(input)


def log(input: Tensor) -> Tensor:  # noqa: A002
    """Elementwise natural logarithm."""
    return unary.Log.apply(input)


def sqrt(input: Tensor) -> Tensor:  # noqa: A002
    """Elementwise square root."""
    return unary.Sqrt.apply(input)


def rsqrt(input: Tensor) -> Tensor:  # noqa: A002
    """Elementwise 1 / sqrt(x)."""
    return arithmetic.Div.apply(1.0, unary.Sqrt.apply(input))


def abs(input: Tensor) -> Tensor:  # noqa: A001,A002
    """Elementwise absolute value."""
    return unary.Abs.apply(input)


def sin(input: Tensor) -> Tensor:  # noqa: A002
    """Elementwise sine."""
    return unary.Sin.apply(input)


def cos(input: Tensor) -> Tensor:  # noqa: A002
    """Elementwise cosine."""
    return unary.Cos.apply(input)


def tanh(input: Tensor) -> Tensor:  # noqa: A002
    """Elementwise hyperbolic tangent."""
    return unary.Tanh.apply(input)


def sigmoid(input: Tensor) -> Tensor:  # noqa: A002
    """Elementwise logistic function, computed without overflow."""
    return unary.Sigmoid.apply(input)


def relu(input: Tensor) -> Tensor:  # noqa: A002
    """Elementwise max(x, 0)."""
    return unary.Relu.apply(input)


def clamp(input: Tensor, min: Any = None, max: Any = None) -> Tensor:  # noqa: A002
    """Limit values to [min, max]; the gradient passes where min <= x <= max."""
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    return unary.Clamp.apply(input, _plain(min), _plain(max))


clip = clamp


def sign(input: Tensor) -> Tensor:  # noqa: A002
    """Elementwise sign (zero gradient)."""
    return unary.Sign.apply(input)


def floor(input: Tensor) -> Tensor:  # noqa: A002
    """Elementwise floor (zero gradient)."""
    return unary.Floor.apply(input)


def ceil(input: Tensor) -> Tensor:  # noqa: A002
    """Elementwise ceiling (zero gradient)."""
    return unary.Ceil.apply(input)


def round(input: Tensor, decimals: int = 0) -> Tensor:  # noqa: A001,A002
    """Round half to even, as PyTorch (zero gradient)."""
    return unary.Round.apply(input, decimals)


def isnan(input: Tensor) -> Tensor:  # noqa: A002
    """Elementwise NaN test."""
    return Tensor._make(get_array_module(input._data).isnan(input._data))


def isfinite(input: Tensor) -> Tensor:  # noqa: A002
    """Elementwise finiteness test."""
    return Tensor._make(get_array_module(input._data).isfinite(input._data))


def isinf(input: Tensor) -> Tensor:  # noqa: A002
    """Elementwise infinity test."""
    return Tensor._make(get_array_module(input._data).isinf(input._data))
