"""Elementwise binary arithmetic: + - * / ** and maximum/minimum, with broadcasting.

Operands may be arrays or Python scalars; gradients for broadcast inputs are summed
back to the input's shape by the engine.
"""

from __future__ import annotations

import math
from typing import Any

from nettrain.dtypes import get_default_dtype
from nettrain.ops import Op
from nettrain.ops._dtype_rules import _ndarray, promote


class Add(Op):
    """d(x + y) = (g, g)."""

    @staticmethod
    def forward(ctx: Any, x: Any, y: Any) -> Any:
        if type(x) is not _ndarray or type(y) is not _ndarray or x.dtype is not y.dtype:
            x, y = promote(x, y)
        return x + y

    @staticmethod
    def backward(ctx: Any, grad: Any) -> Any:
        return grad, grad


class Sub(Op):
    """d(x - y) = (g, -g)."""

    @staticmethod
    def forward(ctx: Any, x: Any, y: Any) -> Any:
        if type(x) is not _ndarray or type(y) is not _ndarray or x.dtype is not y.dtype:
            x, y = promote(x, y)
        return x - y

    @staticmethod
    def backward(ctx: Any, grad: Any) -> Any:
        need_x, need_y = ctx.needs_input_grad
        return (grad if need_x else None), (-grad if need_y else None)


class Mul(Op):
    """d(x * y) = (g * y, g * x)."""

    @staticmethod
    def forward(ctx: Any, x: Any, y: Any) -> Any:
        if type(x) is not _ndarray or type(y) is not _ndarray or x.dtype is not y.dtype:
            x, y = promote(x, y)
        ctx.save_for_backward(x, y)
        return x * y

    @staticmethod
    def backward(ctx: Any, grad: Any) -> Any:
        x, y = ctx.saved_tensors
        need_x, need_y = ctx.needs_input_grad
        return (grad * y if need_x else None), (grad * x if need_y else None)


class Div(Op):
    """d(x / y) = (g / y, -g * x / y**2)."""

    @staticmethod
    def forward(ctx: Any, x: Any, y: Any) -> Any:
        x, y = promote(x, y)
        if _is_integral(x) and _is_integral(y):
            # true division of integers gives the default float, as in PyTorch
            target = get_default_dtype().numpy
            x = x if isinstance(x, (int, bool)) else x.astype(target)
            y = y if isinstance(y, (int, bool)) else y.astype(target)
            if isinstance(x, (int, bool)) and isinstance(y, (int, bool)):
                x = ctx.xp.asarray(x, dtype=target)
        ctx.save_for_backward(x, y)
        return x / y

    @staticmethod
    def backward(ctx: Any, grad: Any) -> Any:
        x, y = ctx.saved_tensors
        need_x, need_y = ctx.needs_input_grad
        grad_x = grad / y if need_x else None
        grad_y = -grad * x / (y * y) if need_y else None
        return grad_x, grad_y


class Neg(Op):
    """d(-x) = -g."""

    @staticmethod
    def forward(ctx: Any, x: Any) -> Any:
        return -x

    @staticmethod
    def backward(ctx: Any, grad: Any) -> Any:
        return -grad


def _is_integral(value: Any) -> bool:
    """True for Python ints/bools and integer or bool arrays."""
    if isinstance(value, (int, bool)):
        return True
    return not isinstance(value, float) and value.dtype.kind in "biu"


def _log(value: Any, xp: Any) -> Any:
    """log that keeps Python scalars Python scalars (so they never upcast float32)."""
    if isinstance(value, (int, float)):
        return math.log(value) if value > 0 else float("nan")
    return xp.log(value)


class Pow(Op):
    """d(x ** y) = (g * y * x**(y-1), g * x**y * log x)."""

    @staticmethod
    def forward(ctx: Any, x: Any, y: Any) -> Any:
        x, y = promote(x, y)
        if isinstance(x, int) and isinstance(y, int):
            x = float(x)
        out = x**y
        ctx.save_for_backward(x, y, out)
        return out

    @staticmethod
    def backward(ctx: Any, grad: Any) -> Any:
        x, y, out = ctx.saved_tensors
        need_x, need_y = ctx.needs_input_grad
        grad_x = None
        if need_x:
            if isinstance(y, (int, float)):
                grad_x = grad * 0 if y == 0 else grad * (y * x ** (y - 1))
            else:
                grad_x = grad * y * x ** (y - 1)
        grad_y = None
        if need_y:
            if isinstance(x, (int, float)):
                grad_y = grad * 0 if x == 0 else grad * out * _log(x, ctx.xp)
            else:  # d/dy 0**y = 0 (PyTorch), not 0 * log(0) = nan
                grad_y = grad * out * ctx.xp.log(ctx.xp.where(x == 0, 1.0, x))
        return grad_x, grad_y


class Maximum(Op):
    """d max(x, y): the larger input takes g; ties split it in half (as PyTorch)."""

    @staticmethod
    def forward(ctx: Any, x: Any, y: Any) -> Any:
        x, y = promote(x, y)
        out = ctx.xp.maximum(x, y)
        ctx.weight_x = ((x > y) + (x == y) * 0.5).astype(out.dtype, copy=False)
        return out

    @staticmethod
    def backward(ctx: Any, grad: Any) -> Any:
        weight = ctx.weight_x
        return grad * weight, grad * (1 - weight)


class Minimum(Op):
    """d min(x, y): the smaller input takes g; ties split it in half (as PyTorch)."""

    @staticmethod
    def forward(ctx: Any, x: Any, y: Any) -> Any:
        x, y = promote(x, y)
        out = ctx.xp.minimum(x, y)
        ctx.weight_x = ((x < y) + (x == y) * 0.5).astype(out.dtype, copy=False)
        return out

    @staticmethod
    def backward(ctx: Any, grad: Any) -> Any:
        weight = ctx.weight_x
        return grad * weight, grad * (1 - weight)
