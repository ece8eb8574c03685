"""The ``nettrain.*`` math functions (``nt.exp``, ``nt.sum``, ``nt.cat`` ...).

Each parses PyTorch's arguments and calls one op; Tensor methods call these, so the
argument handling exists once. No derivative math lives here.
"""

from __future__ import annotations

import builtins
import warnings
from collections import namedtuple
from collections.abc import Sequence
from typing import Any

import numpy as np

from nettrain.autograd import function as _function_module
from nettrain.backend import get_array_module
from nettrain.dtypes import numpy_dtype
from nettrain.ops import arithmetic, indexing, linalg, reduction, unary
from nettrain.ops import shape as shape_ops
from nettrain.tensor import Tensor

return_types_max = namedtuple("max", ["values", "indices"])
return_types_min = namedtuple("min", ["values", "indices"])

_SCALARS = (int, float, bool)


_PASS_THROUGH = (Tensor, *_SCALARS)
_apply = _function_module._apply
_Add, _Sub, _Mul, _Div = arithmetic.Add, arithmetic.Sub, arithmetic.Mul, arithmetic.Div


def _operand(value: Any) -> Any:
    """Tensors and Python scalars pass through; anything else becomes an array constant."""
    if type(value) is Tensor or isinstance(value, _PASS_THROUGH):
        return value
    if isinstance(value, np.generic):
        return value.item()
    if hasattr(value, "shape") and hasattr(value, "dtype"):
        return value
    return np.asarray(value)


def _check_tensor(value: Any, name: str, fn: str) -> Tensor:
    if not isinstance(value, Tensor):
        raise TypeError(f"{fn}(): argument '{name}' must be Tensor, not {type(value).__name__}")
    return value


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


def _plain(value: Any) -> Any:
    if isinstance(value, Tensor):
        return value._data
    return value


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


# -- shapes ------------------------------------------------------------------------


def _shape_arg(shape: tuple[Any, ...]) -> tuple[int, ...]:
    """Accept ``f(2, 3)``, ``f((2, 3))`` and ``f([2, 3])``."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    return tuple(builtins.int(s) for s in shape)


def _resolve_shape(shape: tuple[int, ...], numel: int) -> tuple[int, ...]:
    """Fill a single -1 and check that the element count matches."""
    if -1 in shape:
        known = 1
        for size in shape:
            if size != -1:
                known *= size
        if shape.count(-1) > 1:
            raise RuntimeError("only one dimension can be inferred")
        if known == 0 or numel % known:
            raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
        shape = tuple(numel // known if s == -1 else s for s in shape)
    count = 1
    for size in shape:
        count *= size
    if count != numel:
        raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
    return shape


def reshape(input: Tensor, *shape: Any) -> Tensor:  # noqa: A002
    """The same elements in a new shape (one -1 is inferred)."""
    target = _resolve_shape(_shape_arg(shape), input._data.size)
    if target == input._data.shape:
        return shape_ops.Reshape.apply(input, target)
    return shape_ops.Reshape.apply(input, target)


def transpose(input: Tensor, dim0: int, dim1: int) -> Tensor:  # noqa: A002
    """Swap two dimensions."""
    ndim = builtins.max(input.ndim, 1)
    if input.ndim < 2:
        return shape_ops.Reshape.apply(input, input.shape)
    return shape_ops.Transpose.apply(input, dim0 % ndim, dim1 % ndim)


swapaxes = swapdims = transpose


def t(input: Tensor) -> Tensor:  # noqa: A002
    """Transpose a tensor of at most 2 dimensions."""
    if input.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {input.ndim}D")
    return transpose(input, 0, 1)


def permute(input: Tensor, *dims: Any) -> Tensor:  # noqa: A002
    """Reorder dimensions."""
    order = _shape_arg(dims)
    if sorted(d % builtins.max(input.ndim, 1) for d in order) != list(range(input.ndim)):
        raise RuntimeError(
            f"permute(sparse_coo): number of dimensions in the tensor input does not match "
            f"the length of the desired ordering of dimensions i.e. input.dim() = "
            f"{input.ndim} is not equal to len(dims) = {len(order)}"
        )
    return shape_ops.Permute.apply(input, tuple(d % input.ndim for d in order))


def squeeze(input: Tensor, dim: Any = None) -> Tensor:  # noqa: A002
    """Drop size-1 dimensions (all, or those in ``dim``)."""
    shape = input.shape
    if dim is None:
        target = tuple(s for s in shape if s != 1)
    else:
        axes = reduction.normalize_dims(dim, input.ndim)
        target = tuple(s for i, s in enumerate(shape) if not (i in axes and s == 1))
    return shape_ops.Reshape.apply(input, target)


def unsqueeze(input: Tensor, dim: int) -> Tensor:  # noqa: A002
    """Insert a size-1 dimension at ``dim``."""
    ndim = input.ndim + 1
    if not -ndim <= dim < ndim:
        raise IndexError(
            f"Dimension out of range (expected to be in range of [{-ndim}, "
            f"{ndim - 1}], but got {dim})"
        )
    target = list(input.shape)
    target.insert(dim % ndim, 1)
    return shape_ops.Reshape.apply(input, tuple(target))


def flatten(input: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:  # noqa: A002
    """Merge dimensions ``start_dim..end_dim`` into one."""
    shape = input.shape
    if not shape:
        return shape_ops.Reshape.apply(input, (1,))
    start, end = start_dim % len(shape), end_dim % len(shape)
    merged = 1
    for size in shape[start : end + 1]:
        merged *= size
    return shape_ops.Reshape.apply(input, (*shape[:start], merged, *shape[end + 1 :]))


def unflatten(input: Tensor, dim: int, sizes: Sequence[int]) -> Tensor:  # noqa: A002
    """Split dimension ``dim`` into ``sizes``."""
    shape = input.shape
    dim = dim % len(shape)
    sizes = _resolve_shape(tuple(sizes), shape[dim])
    return shape_ops.Reshape.apply(input, (*shape[:dim], *sizes, *shape[dim + 1 :]))


def cat(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
    """Concatenate along an existing dimension."""
    tensors = [_check_tensor(x, "tensors", "cat") for x in tensors]
    if not tensors:
        raise RuntimeError("torch.cat(): expected a non-empty list of Tensors")
    dim = dim % builtins.max(tensors[0].ndim, 1)
    return shape_ops.Cat.apply(dim, *tensors)


concat = concatenate = cat


def stack(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
    """Stack along a new dimension."""
    tensors = [_check_tensor(x, "tensors", "stack") for x in tensors]
    if not tensors:
        raise RuntimeError("stack expects a non-empty TensorList")
    shapes = {x.shape for x in tensors}
    if len(shapes) > 1:
        raise RuntimeError(
            f"stack expects each tensor to be equal size, but got "
            f"{[list(x.shape) for x in tensors]}"
        )
    dim = dim % (tensors[0].ndim + 1)
    return shape_ops.Stack.apply(dim, *tensors)


def where(condition: Tensor, input: Any = None, other: Any = None) -> Any:  # noqa: A002
    """``input`` where ``condition`` holds, else ``other``; with one argument, nonzero()."""
    cond = condition._data if isinstance(condition, Tensor) else condition
    if input is None and other is None:
        xp = get_array_module(cond)
        return tuple(Tensor._make(i.astype(np.int64)) for i in xp.nonzero(cond))
    cond = cond.astype(bool, copy=False)
    return shape_ops.Where.apply(cond, _operand(input), _operand(other))


def masked_fill(input: Tensor, mask: Tensor, value: Any) -> Tensor:  # noqa: A002
    """``value`` where ``mask`` holds, else ``input``."""
    fill = value._data if isinstance(value, Tensor) else value
    return shape_ops.Where.apply(_plain(mask).astype(bool, copy=False), fill, input)


def clone(input: Tensor) -> Tensor:  # noqa: A002
    """A differentiable copy."""
    return shape_ops.Clone.apply(input)


def split(tensor: Tensor, split_size_or_sections: Any, dim: int = 0) -> tuple[Tensor, ...]:
    """Split into chunks of a given size, or of the listed sizes."""
    size = tensor.shape[dim]
    if isinstance(split_size_or_sections, builtins.int):
        step = split_size_or_sections
        bounds = [(start, builtins.min(start + step, size)) for start in range(0, size, step)]
    else:
        bounds, start = [], 0
        for length in split_size_or_sections:
            bounds.append((start, start + length))
            start += length
        if start != size:
            raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {size}")
    lead = (slice(None),) * (dim % tensor.ndim)
    return tuple(tensor[(*lead, slice(a, b))] for a, b in bounds)


def chunk(input: Tensor, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:  # noqa: A002
    """Split into ``chunks`` nearly equal pieces."""
    size = input.shape[dim]
    step = -(-size // chunks)
    return split(input, builtins.max(step, 1), dim)


def unbind(input: Tensor, dim: int = 0) -> tuple[Tensor, ...]:  # noqa: A002
    """The slices along ``dim``, without that dimension."""
    lead = (slice(None),) * (dim % input.ndim)
    return tuple(input[(*lead, i)] for i in range(input.shape[dim]))


def flip(input: Tensor, dims: Any) -> Tensor:  # noqa: A002
    """Reverse the order of elements along ``dims``."""
    index = [slice(None)] * input.ndim
    for d in reduction.normalize_dims(dims, input.ndim):
        index[d] = slice(None, None, -1)
    return input[tuple(index)]


def gather(input: Tensor, dim: int, index: Tensor) -> Tensor:  # noqa: A002
    """``out[i][j] = input[index[i][j]][j]`` (for dim 0), differentiable in ``input``."""
    xp = get_array_module(input._data)
    idx = _plain(index)
    grids = list(xp.indices(idx.shape, sparse=True))
    grids[dim % input.ndim] = idx
    return input[tuple(grids)]


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


def einsum_unavailable(*_: Any) -> None:
    """einsum is not part of nettrain; say so instead of failing obscurely."""
    raise NotImplementedError("nettrain has no einsum; compose matmul, permute and sum")


def _numpy_dtype_or_none(dtype: Any) -> Any:
    return None if dtype is None else numpy_dtype(dtype)


def _warn_implicit_dim(fn: str, ndim: int) -> int:
    """PyTorch's legacy choice of dim for softmax-like calls without one."""
    warnings.warn(
        f"Implicit dimension choice for {fn} has been deprecated. Change the call to "
        "include dim=X as an argument.",
        UserWarning,
        stacklevel=3,
    )
    return 0 if ndim in (0, 1, 3) else 1


_ = indexing  # imported for Tensor.__getitem__'s use through this module's namespace
