"""Elementwise arithmetic (``nt.add``, ``nt.mul``, ``nt.div`` ...) over ``ops.arithmetic``."""

from __future__ import annotations

from typing import Any

import numpy as np

from nettrain.autograd import _apply as _apply_module
from nettrain.backend import get_array_module
from nettrain.functions._common import _operand
from nettrain.ops import arithmetic
from nettrain.tensor import Tensor

_apply_op = _apply_module.apply_op
_Add, _Sub, _Mul, _Div = arithmetic.Add, arithmetic.Sub, arithmetic.Mul, arithmetic.Div


def add(input: Any, other: Any, *, alpha: float = 1) -> Tensor:  # noqa: A002
    """``input + alpha * other``."""
    if alpha != 1:
        other = mul(other, alpha)
    # the operators' hot path: skip _operand for Tensors, call apply_op directly
    if type(input) is not Tensor:
        input = _operand(input)
    if type(other) is not Tensor:
        other = _operand(other)
    return _apply_op(_Add, (input, other))


def sub(input: Any, other: Any, *, alpha: float = 1) -> Tensor:  # noqa: A002
    """``input - alpha * other``."""
    if alpha != 1:
        other = mul(other, alpha)
    if type(input) is not Tensor:
        input = _operand(input)
    if type(other) is not Tensor:
        other = _operand(other)
    return _apply_op(_Sub, (input, other))


subtract = sub


def mul(input: Any, other: Any) -> Tensor:  # noqa: A002
    """Elementwise product."""
    if type(input) is not Tensor:
        input = _operand(input)
    if type(other) is not Tensor:
        other = _operand(other)
    return _apply_op(_Mul, (input, other))


multiply = mul


def div(input: Any, other: Any, *, rounding_mode: str | None = None) -> Tensor:  # noqa: A002
    """Elementwise true division (or floor/trunc division, without gradient)."""
    if rounding_mode is None:
        if type(input) is not Tensor:
            input = _operand(input)
        if type(other) is not Tensor:
            other = _operand(other)
        return _apply_op(_Div, (input, other))
    a = input._data if isinstance(input, Tensor) else input
    b = other._data if isinstance(other, Tensor) else other
    xp = get_array_module(a, b)
    if rounding_mode == "floor":
        return Tensor._make(xp.asarray(xp.floor_divide(a, b)))
    if rounding_mode == "trunc":
        return Tensor._make(
            xp.asarray(xp.trunc(xp.true_divide(a, b))).astype(
                np.result_type(a, b) if not isinstance(a, float) else np.float32
            )
        )
    raise ValueError(
        f"div expected rounding_mode to be one of None, 'trunc', or 'floor' "
        f"but found '{rounding_mode}'"
    )


divide = true_divide = div


def pow(input: Any, exponent: Any) -> Tensor:  # noqa: A001,A002
    """``input ** exponent``."""
    return arithmetic.Pow.apply(_operand(input), _operand(exponent))


def neg(input: Tensor) -> Tensor:  # noqa: A002
    """``-input``."""
    return arithmetic.Neg.apply(input)


negative = neg


def square(input: Tensor) -> Tensor:  # noqa: A002
    """``input * input``."""
    return arithmetic.Mul.apply(input, input)


def reciprocal(input: Tensor) -> Tensor:  # noqa: A002
    """``1 / input``."""
    return arithmetic.Div.apply(1.0, input)


def maximum(input: Tensor, other: Tensor) -> Tensor:  # noqa: A002
    """Elementwise maximum; ties split the gradient."""
    return arithmetic.Maximum.apply(_operand(input), _operand(other))


def minimum(input: Tensor, other: Tensor) -> Tensor:  # noqa: A002
    """Elementwise minimum; ties split the gradient."""
    return arithmetic.Minimum.apply(_operand(input), _operand(other))
