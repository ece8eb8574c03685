"""Elementwise unary math; each docstring gives the derivative."""

from __future__ import annotations

from typing import Any

from nettrain.dtypes import get_default_dtype


def _float_input(x: Any, xp: Any) -> Any:
    """Integer inputs of transcendental functions compute in the default float dtype."""
    if x.dtype.kind in "biu":
        return x.astype(get_default_dtype().numpy)
    return x


from nettrain.ops import Op  # noqa: E402


class Exp(Op):
    """d exp(x) = g * exp(x)."""

    @staticmethod
    def forward(ctx: Any, x: Any) -> Any:
        out = ctx.xp.exp(_float_input(x, ctx.xp))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Any, grad: Any) -> Any:
        (out,) = ctx.saved_tensors
        return grad * out


class Log(Op):
    """d log(x) = g / x."""

    @staticmethod
    def forward(ctx: Any, x: Any) -> Any:
        x = _float_input(x, ctx.xp)
        ctx.save_for_backward(x)
        return ctx.xp.log(x)

    @staticmethod
    def backward(ctx: Any, grad: Any) -> Any:
        (x,) = ctx.saved_tensors
        return grad / x


class Sqrt(Op):
    """d sqrt(x) = g / (2 sqrt(x))."""

    @staticmethod
    def forward(ctx: Any, x: Any) -> Any:
        out = ctx.xp.sqrt(_float_input(x, ctx.xp))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Any, grad: Any) -> Any:
        (out,) = ctx.saved_tensors
        return grad / (2 * out)


class Abs(Op):
    """d |x| = g * sign(x) (zero at 0, as PyTorch)."""

    @staticmethod
    def forward(ctx: Any, x: Any) -> Any:
        ctx.save_for_backward(x)
        return ctx.xp.abs(x)

    @staticmethod
    def backward(ctx: Any, grad: Any) -> Any:
        (x,) = ctx.saved_tensors
        return grad * ctx.xp.sign(x)


class Sin(Op):
    """d sin(x) = g * cos(x)."""

    @staticmethod
    def forward(ctx: Any, x: Any) -> Any:
        x = _float_input(x, ctx.xp)
        ctx.save_for_backward(x)
        return ctx.xp.sin(x)

    @staticmethod
    def backward(ctx: Any, grad: Any) -> Any:
        (x,) = ctx.saved_tensors
        return grad * ctx.xp.cos(x)


class Cos(Op):
    """d cos(x) = -g * sin(x)."""

    @staticmethod
    def forward(ctx: Any, x: Any) -> Any:
        x = _float_input(x, ctx.xp)
        ctx.save_for_backward(x)
        return ctx.xp.cos(x)

    @staticmethod
    def backward(ctx: Any, grad: Any) -> Any:
        (x,) = ctx.saved_tensors
        return -grad * ctx.xp.sin(x)


class Tanh(Op):
    """d tanh(x) = g * (1 - tanh(x)**2)."""

    @staticmethod
    def forward(ctx: Any, x: Any) -> Any:
        out = ctx.xp.tanh(_float_input(x, ctx.xp))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Any, grad: Any) -> Any:
        (out,) = ctx.saved_tensors
        return grad * (1 - out * out)


class Sigmoid(Op):
    """d sigmoid(x) = g * s * (1 - s), s = sigmoid(x); computed without overflow."""

    @staticmethod
    def forward(ctx: Any, x: Any) -> Any:
        xp = ctx.xp
        x = _float_input(x, xp)
        # exp of a non-positive number never overflows: use the stable branch per sign
        z = xp.exp(-xp.abs(x))
        out = xp.where(x >= 0, 1 / (1 + z), z / (1 + z))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Any, grad: Any) -> Any:
        (out,) = ctx.saved_tensors
        return grad * out * (1 - out)


class Relu(Op):
    """d relu(x) = g where x > 0, else 0."""

    @staticmethod
    def forward(ctx: Any, x: Any) -> Any:
        out = ctx.xp.maximum(x, 0)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Any, grad: Any) -> Any:
        (out,) = ctx.saved_tensors
        return grad * (out > 0)


class Clamp(Op):
    """d clamp(x, lo, hi) = g where lo <= x <= hi, else 0 (as PyTorch)."""

    @staticmethod
    def forward(ctx: Any, x: Any, min: Any = None, max: Any = None) -> Any:  # noqa: A002
        xp = ctx.xp
        if x.dtype.kind in "biu" and (isinstance(min, float) or isinstance(max, float)):
            x = x.astype(get_default_dtype().numpy)  # int tensor, float bound: PyTorch floats
        mask = None
        out = x
        if min is not None:
            mask = x >= min
            out = xp.maximum(out, min)
        if max is not None:
            upper = x <= max
            mask = upper if mask is None else mask & upper
            out = xp.minimum(out, max)
        if out is x:
            out = x.copy()
        ctx.mask = mask
        return out.astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx: Any, grad: Any) -> Any:
        mask = ctx.mask
        return (grad if mask is None else grad * mask), None, None


class _Piecewise(Op):
    """Piecewise-constant functions: d f(x) = 0 almost everywhere (PyTorch keeps the graph)."""

    @staticmethod
    def backward(ctx: Any, grad: Any) -> Any:
        return grad * 0


class Sign(_Piecewise):
    """d sign(x) = 0."""

    @staticmethod
    def forward(ctx: Any, x: Any) -> Any:
        return ctx.xp.sign(x)


class Floor(_Piecewise):
    """d floor(x) = 0."""

    @staticmethod
    def forward(ctx: Any, x: Any) -> Any:
        return ctx.xp.floor(x)


class Ceil(_Piecewise):
    """d ceil(x) = 0."""

    @staticmethod
    def forward(ctx: Any, x: Any) -> Any:
        return ctx.xp.ceil(x)


class Round(_Piecewise):
    """d round(x) = 0 (half to even, as PyTorch)."""

    @staticmethod
    def forward(ctx: Any, x: Any, decimals: int) -> Any:
        return ctx.xp.round(x, decimals)
