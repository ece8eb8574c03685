"""The ``nettrain.*`` math functions (``nt.exp``, ``nt.sum``, ``nt.cat`` ...).

Each parses PyTorch's arguments and calls one op; Tensor methods call these, so the
argument handling exists once. No derivative math lives here.
"""

from __future__ import annotations

import builtins
from collections import namedtuple
from collections.abc import Sequence
from typing import Any

import numpy as np

# The shape functions live in their own module; ``x as x`` marks them as re-exported.
from nettrain._functions_shape import (
    _check_tensor as _check_tensor,
)
from nettrain._functions_shape import (
    _operand as _operand,
)
from nettrain._functions_shape import (
    _plain as _plain,
)
from nettrain._functions_shape import (
    _resolve_shape as _resolve_shape,
)
from nettrain._functions_shape import (
    _shape_arg as _shape_arg,
)
from nettrain._functions_shape import (
    cat as cat,
)
from nettrain._functions_shape import (
    chunk as chunk,
)
from nettrain._functions_shape import (
    clone as clone,
)
from nettrain._functions_shape import (
    concat as concat,
)
from nettrain._functions_shape import (
    concatenate as concatenate,
)
from nettrain._functions_shape import (
    flatten as flatten,
)
from nettrain._functions_shape import (
    flip as flip,
)
from nettrain._functions_shape import (
    gather as gather,
)
from nettrain._functions_shape import (
    masked_fill as masked_fill,
)
from nettrain._functions_shape import (
    permute as permute,
)
from nettrain._functions_shape import (
    reshape as reshape,
)
from nettrain._functions_shape import (
    split as split,
)
from nettrain._functions_shape import (
    squeeze as squeeze,
)
from nettrain._functions_shape import (
    stack as stack,
)
from nettrain._functions_shape import (
    swapaxes as swapaxes,
)
from nettrain._functions_shape import (
    swapdims as swapdims,
)
from nettrain._functions_shape import (
    t as t,
)
from nettrain._functions_shape import (
    transpose as transpose,
)
from nettrain._functions_shape import (
    unbind as unbind,
)
from nettrain._functions_shape import (
    unflatten as unflatten,
)
from nettrain._functions_shape import (
    unsqueeze as unsqueeze,
)
from nettrain._functions_shape import (
    where as where,
)
from nettrain.autograd import function as _function_module
from nettrain.backend import get_array_module
from nettrain.ops import arithmetic, linalg, reduction, unary
from nettrain.tensor import Tensor

return_types_max = namedtuple("max", ["values", "indices"])
return_types_min = namedtuple("min", ["values", "indices"])

_apply = _function_module._apply
_Add, _Sub, _Mul, _Div = arithmetic.Add, arithmetic.Sub, arithmetic.Mul, arithmetic.Div


# -- arithmetic --------------------------------------------------------------------


def add(input: Any, other: Any, *, alpha: float = 1) -> Tensor:  # noqa: A002
    """``input + alpha * other``."""
    if alpha != 1:
        other = mul(other, alpha)
    # the operators' hot path: skip _operand for Tensors, call the op's _apply directly
    if type(input) is not Tensor:
        input = _operand(input)
    if type(other) is not Tensor:
        other = _operand(other)
    return _apply(_Add, (input, other))


def sub(input: Any, other: Any, *, alpha: float = 1) -> Tensor:  # noqa: A002
    """``input - alpha * other``."""
    if alpha != 1:
        other = mul(other, alpha)
    if type(input) is not Tensor:
        input = _operand(input)
    if type(other) is not Tensor:
        other = _operand(other)
    return _apply(_Sub, (input, other))


subtract = sub


def mul(input: Any, other: Any) -> Tensor:  # noqa: A002
    """Elementwise product."""
    if type(input) is not Tensor:
        input = _operand(input)
    if type(other) is not Tensor:
        other = _operand(other)
    return _apply(_Mul, (input, other))


multiply = mul


def div(input: Any, other: Any, *, rounding_mode: str | None = None) -> Tensor:  # noqa: A002
    """Elementwise true division (or floor/trunc division, without gradient)."""
    if rounding_mode is None:
        if type(input) is not Tensor:
            input = _operand(input)
        if type(other) is not Tensor:
            other = _operand(other)
        return _apply(_Div, (input, other))
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


def matmul(input: Tensor, other: Tensor) -> Tensor:  # noqa: A002
    """Matrix product with batching and 1-D operands, as ``numpy.matmul``."""
    return linalg.MatMul.apply(_operand(input), _operand(other))


def mm(input: Tensor, mat2: Tensor) -> Tensor:  # noqa: A002
    """2-D matrix product."""
    if input.ndim != 2 or mat2.ndim != 2:
        raise RuntimeError(f"mm(): both arguments must be 2-D, got {input.ndim}D and {mat2.ndim}D")
    return linalg.MatMul.apply(input, mat2)


def bmm(input: Tensor, mat2: Tensor) -> Tensor:  # noqa: A002
    """Batched 3-D matrix product."""
    if input.ndim != 3 or mat2.ndim != 3:
        raise RuntimeError(f"bmm(): both arguments must be 3-D, got {input.ndim}D and {mat2.ndim}D")
    return linalg.MatMul.apply(input, mat2)


def dot(input: Tensor, other: Tensor) -> Tensor:  # noqa: A002
    """Inner product of two 1-D tensors."""
    return linalg.MatMul.apply(input, other)


# -- unary -------------------------------------------------------------------------


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


def softmax(input: Tensor, dim: int, dtype: Any = None) -> Tensor:  # noqa: A002
    """``exp(x) / sum(exp(x))`` along ``dim`` (``torch.softmax``; dim is required here)."""
    from nettrain.nn.functional import softmax as _softmax

    return _softmax(input, dim, dtype=dtype)


def log_softmax(input: Tensor, dim: int, dtype: Any = None) -> Tensor:  # noqa: A002
    """``log(softmax(x))`` along ``dim``, computed stably."""
    from nettrain.nn.functional import log_softmax as _log_softmax

    return _log_softmax(input, dim, dtype=dtype)


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


# -- comparisons (no gradient) --------------------------------------------------


def _compare(ufunc_name: str, input: Any, other: Any) -> Tensor:  # noqa: A002
    a = input._data if isinstance(input, Tensor) else input
    b = other._data if isinstance(other, Tensor) else other
    xp = get_array_module(a, b)
    return Tensor._make(xp.asarray(getattr(xp, ufunc_name)(a, b)))


def eq(input: Any, other: Any) -> Tensor:  # noqa: A002
    """Elementwise ``==``."""
    return _compare("equal", input, other)


def ne(input: Any, other: Any) -> Tensor:  # noqa: A002
    """Elementwise ``!=``."""
    return _compare("not_equal", input, other)


def lt(input: Any, other: Any) -> Tensor:  # noqa: A002
    """Elementwise ``<``."""
    return _compare("less", input, other)


def le(input: Any, other: Any) -> Tensor:  # noqa: A002
    """Elementwise ``<=``."""
    return _compare("less_equal", input, other)


def gt(input: Any, other: Any) -> Tensor:  # noqa: A002
    """Elementwise ``>``."""
    return _compare("greater", input, other)


def ge(input: Any, other: Any) -> Tensor:  # noqa: A002
    """Elementwise ``>=``."""
    return _compare("greater_equal", input, other)


greater, greater_equal, less, less_equal, equal_elementwise = gt, ge, lt, le, eq


def equal(input: Tensor, other: Tensor) -> bool:  # noqa: A002
    """True when both tensors have the same shape and elements."""
    return input.shape == other.shape and builtins.bool((input._data == other._data).all())


def allclose(
    input: Tensor,
    other: Tensor,
    rtol: float = 1e-5,
    atol: float = 1e-8,  # noqa: A002
    equal_nan: bool = False,
) -> bool:
    """``|input - other| <= atol + rtol * |other|`` everywhere."""
    xp = get_array_module(input._data)
    return builtins.bool(
        xp.allclose(input._data, _plain(other), rtol=rtol, atol=atol, equal_nan=equal_nan)
    )


def isclose(
    input: Tensor,
    other: Any,
    rtol: float = 1e-5,
    atol: float = 1e-8,  # noqa: A002
    equal_nan: bool = False,
) -> Tensor:
    """Elementwise closeness test."""
    xp = get_array_module(input._data)
    return Tensor._make(
        xp.isclose(input._data, _plain(other), rtol=rtol, atol=atol, equal_nan=equal_nan)
    )


# -- reductions --------------------------------------------------------------------


def _cast_for_reduction(input: Tensor, dtype: Any) -> Tensor:  # noqa: A002
    return input if dtype is None else input.to(dtype)


def sum(
    input: Tensor,
    dim: Any = None,
    keepdim: bool = False,
    *,
    dtype: Any = None,  # noqa: A001,A002
    axis: Any = None,
) -> Tensor:
    """Sum over ``dim`` (all dims when None)."""
    input = _cast_for_reduction(input, dtype)
    dim = axis if dim is None else dim
    return reduction.Sum.apply(input, reduction.normalize_dims(dim, input.ndim), keepdim)


def mean(
    input: Tensor,
    dim: Any = None,
    keepdim: bool = False,
    *,
    dtype: Any = None,  # noqa: A002
    axis: Any = None,
) -> Tensor:
    """Mean over ``dim`` (all dims when None)."""
    input = _cast_for_reduction(input, dtype)
    dim = axis if dim is None else dim
    return reduction.Mean.apply(input, reduction.normalize_dims(dim, input.ndim), keepdim)


def _max_or_min(name: str, input: Tensor, dim: Any, keepdim: bool) -> Any:  # noqa: A002
    largest = name == "max"
    if isinstance(dim, Tensor):
        return maximum(input, dim) if largest else minimum(input, dim)
    if dim is None:
        if input.numel() == 0:
            raise RuntimeError(
                f"{name}(): Expected reduction dim to be specified for "
                "input.numel() == 0. Specify the reduction dim."
            )
        op = reduction.Amax if largest else reduction.Amin
        return op.apply(input, tuple(range(input.ndim)), False)
    axis = reduction.normalize_dims(dim, input.ndim)
    axis = axis[0] if axis else 0
    values, indices = reduction.MaxDim.apply(input, axis, keepdim, largest)
    result = return_types_max if largest else return_types_min
    return result(values, indices)


def max(input: Tensor, dim: Any = None, keepdim: bool = False) -> Any:  # noqa: A001,A002
    """Overall max; ``(values, indices)`` along ``dim``; or elementwise with a Tensor."""
    return _max_or_min("max", input, dim, keepdim)


def min(input: Tensor, dim: Any = None, keepdim: bool = False) -> Any:  # noqa: A001,A002
    """Overall min; ``(values, indices)`` along ``dim``; or elementwise with a Tensor."""
    return _max_or_min("min", input, dim, keepdim)


def amax(input: Tensor, dim: Any = (), keepdim: bool = False) -> Tensor:  # noqa: A002
    """Max over ``dim``; ties share the gradient evenly."""
    return reduction.Amax.apply(input, reduction.normalize_dims(dim, input.ndim), keepdim)


def amin(input: Tensor, dim: Any = (), keepdim: bool = False) -> Tensor:  # noqa: A002
    """Min over ``dim``; ties share the gradient evenly."""
    return reduction.Amin.apply(input, reduction.normalize_dims(dim, input.ndim), keepdim)


def _arg(name: str, input: Tensor, dim: int | None, keepdim: bool) -> Tensor:  # noqa: A002
    data = input._data
    xp = get_array_module(data)
    fn = xp.argmax if name == "argmax" else xp.argmin
    if dim is None:
        out = fn(data.reshape(-1))
        if keepdim:
            out = xp.asarray(out).reshape((1,) * data.ndim)
        return Tensor._make(xp.asarray(out, dtype=np.int64))
    return Tensor._make(xp.asarray(fn(data, axis=dim, keepdims=keepdim), dtype=np.int64))


def argmax(input: Tensor, dim: int | None = None, keepdim: bool = False) -> Tensor:  # noqa: A002
    """Index of the largest value (first one on ties)."""
    return _arg("argmax", input, dim, keepdim)


def argmin(input: Tensor, dim: int | None = None, keepdim: bool = False) -> Tensor:  # noqa: A002
    """Index of the smallest value (first one on ties)."""
    return _arg("argmin", input, dim, keepdim)


def _check_floating(input: Tensor, fn: str) -> None:  # noqa: A002
    if input._data.dtype.kind not in "fc":
        raise RuntimeError(
            f"{fn}(): only floating point tensors are supported, got {input.dtype}; "
            "convert with .float() first"
        )


def _correction(unbiased: bool | None, correction: float | None) -> float:
    if correction is not None:
        return correction
    return 1 if unbiased is None or unbiased else 0


def var(
    input: Tensor,
    dim: Any = None,
    unbiased: bool | None = None,  # noqa: A002
    keepdim: bool = False,
    *,
    correction: float | None = None,
) -> Tensor:
    """Variance over ``dim`` with Bessel's correction by default."""
    if isinstance(dim, bool):  # var(x, False): PyTorch's positional ``unbiased``
        unbiased, dim = dim, None
    _check_floating(input, "var")
    axes = reduction.normalize_dims(dim, input.ndim)
    return reduction.Var.apply(input, axes, _correction(unbiased, correction), keepdim)


def std(
    input: Tensor,
    dim: Any = None,
    unbiased: bool | None = None,  # noqa: A002
    keepdim: bool = False,
    *,
    correction: float | None = None,
) -> Tensor:
    """Standard deviation over ``dim`` with Bessel's correction by default."""
    if isinstance(dim, bool):
        unbiased, dim = dim, None
    _check_floating(input, "std")
    axes = reduction.normalize_dims(dim, input.ndim)
    return reduction.Std.apply(input, axes, _correction(unbiased, correction), keepdim)


def logsumexp(input: Tensor, dim: Any, keepdim: bool = False) -> Tensor:  # noqa: A002
    """``log(sum(exp(x)))`` over ``dim``, computed without overflow."""
    return reduction.LogSumExp.apply(input, reduction.normalize_dims(dim, input.ndim), keepdim)


def prod(
    input: Tensor,
    dim: int | None = None,
    keepdim: bool = False,
    *,  # noqa: A002
    dtype: Any = None,
) -> Tensor:
    """Product over one ``dim`` (all elements when None)."""
    input = _cast_for_reduction(input, dtype)
    axis = None if dim is None else reduction.normalize_dims(dim, input.ndim)[0]
    return reduction.Prod.apply(input, axis, keepdim)


def all(input: Tensor, dim: int | None = None, keepdim: bool = False) -> Tensor:  # noqa: A001,A002
    """True where every element (along ``dim``) is nonzero."""
    xp = get_array_module(input._data)
    return Tensor._make(xp.asarray(xp.all(input._data, axis=dim, keepdims=keepdim)))


def any(input: Tensor, dim: int | None = None, keepdim: bool = False) -> Tensor:  # noqa: A001,A002
    """True where any element (along ``dim``) is nonzero."""
    xp = get_array_module(input._data)
    return Tensor._make(xp.asarray(xp.any(input._data, axis=dim, keepdims=keepdim)))


def count_nonzero(input: Tensor, dim: Any = None) -> Tensor:  # noqa: A002
    """Number of nonzero elements (along ``dim``)."""
    xp = get_array_module(input._data)
    return Tensor._make(xp.asarray(xp.count_nonzero(input._data, axis=dim), dtype=np.int64))


def cumsum(input: Tensor, dim: int) -> Tensor:  # noqa: A002
    """Cumulative sum along ``dim`` (no gradient)."""
    xp = get_array_module(input._data)
    return Tensor._make(xp.cumsum(input._data, axis=dim))


def numel(input: Tensor) -> int:  # noqa: A002
    """Number of elements."""
    return builtins.int(input._data.size)


def is_tensor(obj: Any) -> bool:
    """True for nettrain Tensors."""
    return isinstance(obj, Tensor)


def is_floating_point(input: Tensor) -> bool:  # noqa: A002
    """True for float16/32/64 tensors."""
    return input._data.dtype.kind == "f"


def broadcast_to(input: Tensor, shape: Sequence[int]) -> Tensor:  # noqa: A002
    """A read-only broadcast view of ``input``."""
    return input.expand(*shape)


def outer(input: Tensor, vec2: Tensor) -> Tensor:  # noqa: A002
    """Outer product of two vectors."""
    return mul(input.unsqueeze(1), vec2.unsqueeze(0))
