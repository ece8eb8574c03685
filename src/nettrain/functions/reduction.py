"""Reductions (``nt.sum``, ``nt.max``, ``nt.var``, ``nt.logsumexp`` ...) over ``ops.reduction``."""

from __future__ import annotations

from collections import namedtuple
from typing import Any

import numpy as np

from nettrain.backend import get_array_module
from nettrain.functions.arithmetic import maximum, minimum
from nettrain.ops import reduction
from nettrain.tensor import Tensor

return_types_max = namedtuple("max", ["values", "indices"])
return_types_min = namedtuple("min", ["values", "indices"])


def _cast_for_reduction(input: Tensor, dtype: Any) -> Tensor:  # noqa: A002
    return input if dtype is None else input.to(dtype)


def sum(
    input: Tensor,
    dim: Any = None,
    keepdim: bool = False,
    *,
    keepdims: bool | None = None,
    dtype: Any = None,  # noqa: A001,A002
    axis: Any = None,
) -> Tensor:
    """Sum over ``dim`` (all dims when None)."""
    if keepdims is not None:  # numpy's spelling, which PyTorch accepts too
        keepdim = keepdims
    input = _cast_for_reduction(input, dtype)
    dim = axis if dim is None else dim
    return reduction.Sum.apply(input, reduction.normalize_dims(dim, input.ndim), keepdim)


def mean(
    input: Tensor,
    dim: Any = None,
    keepdim: bool = False,
    *,
    keepdims: bool | None = None,
    dtype: Any = None,  # noqa: A002
    axis: Any = None,
) -> Tensor:
    """Mean over ``dim`` (all dims when None)."""
    if keepdims is not None:  # numpy's spelling, which PyTorch accepts too
        keepdim = keepdims
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


def max(  # noqa: A001,A002
    input: Tensor, dim: Any = None, keepdim: bool = False, *, keepdims: bool | None = None
) -> Any:
    """Overall max; ``(values, indices)`` along ``dim``; or elementwise with a Tensor."""
    if keepdims is not None:  # numpy's spelling, which PyTorch accepts too
        keepdim = keepdims
    return _max_or_min("max", input, dim, keepdim)


def min(  # noqa: A001,A002
    input: Tensor, dim: Any = None, keepdim: bool = False, *, keepdims: bool | None = None
) -> Any:
    """Overall min; ``(values, indices)`` along ``dim``; or elementwise with a Tensor."""
    if keepdims is not None:  # numpy's spelling, which PyTorch accepts too
        keepdim = keepdims
    return _max_or_min("min", input, dim, keepdim)


def amax(  # noqa: A002
    input: Tensor, dim: Any = (), keepdim: bool = False, *, keepdims: bool | None = None
) -> Tensor:
    """Max over ``dim``; ties share the gradient evenly."""
    if keepdims is not None:  # numpy's spelling, which PyTorch accepts too
        keepdim = keepdims
    return reduction.Amax.apply(input, reduction.normalize_dims(dim, input.ndim), keepdim)


def amin(  # noqa: A002
    input: Tensor, dim: Any = (), keepdim: bool = False, *, keepdims: bool | None = None
) -> Tensor:
    """Min over ``dim``; ties share the gradient evenly."""
    if keepdims is not None:  # numpy's spelling, which PyTorch accepts too
        keepdim = keepdims
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


def argmax(  # noqa: A002
    input: Tensor, dim: int | None = None, keepdim: bool = False, *, keepdims: bool | None = None
) -> Tensor:
    """Index of the largest value (first one on ties)."""
    if keepdims is not None:  # numpy's spelling, which PyTorch accepts too
        keepdim = keepdims
    return _arg("argmax", input, dim, keepdim)


def argmin(  # noqa: A002
    input: Tensor, dim: int | None = None, keepdim: bool = False, *, keepdims: bool | None = None
) -> Tensor:
    """Index of the smallest value (first one on ties)."""
    if keepdims is not None:  # numpy's spelling, which PyTorch accepts too
        keepdim = keepdims
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
    keepdims: bool | None = None,
    correction: float | None = None,
) -> Tensor:
    """Variance over ``dim`` with Bessel's correction by default."""
    if keepdims is not None:  # numpy's spelling, which PyTorch accepts too
        keepdim = keepdims
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
    keepdims: bool | None = None,
    correction: float | None = None,
) -> Tensor:
    """Standard deviation over ``dim`` with Bessel's correction by default."""
    if keepdims is not None:  # numpy's spelling, which PyTorch accepts too
        keepdim = keepdims
    if isinstance(dim, bool):
        unbiased, dim = dim, None
    _check_floating(input, "std")
    axes = reduction.normalize_dims(dim, input.ndim)
    return reduction.Std.apply(input, axes, _correction(unbiased, correction), keepdim)


def logsumexp(  # noqa: A002
    input: Tensor, dim: Any, keepdim: bool = False, *, keepdims: bool | None = None
) -> Tensor:
    """``log(sum(exp(x)))`` over ``dim``, computed without overflow."""
    if keepdims is not None:  # numpy's spelling, which PyTorch accepts too
        keepdim = keepdims
    return reduction.LogSumExp.apply(input, reduction.normalize_dims(dim, input.ndim), keepdim)


def prod(
    input: Tensor,  # noqa: A002
    dim: int | None = None,
    keepdim: bool = False,
    *,
    keepdims: bool | None = None,
    dtype: Any = None,
) -> Tensor:
    """Product over one ``dim`` (all elements when None)."""
    if keepdims is not None:  # numpy's spelling, which PyTorch accepts too
        keepdim = keepdims
    input = _cast_for_reduction(input, dtype)
    axis = None if dim is None else reduction.normalize_dims(dim, input.ndim)[0]
    return reduction.Prod.apply(input, axis, keepdim)


def all(  # noqa: A001,A002
    input: Tensor, dim: int | None = None, keepdim: bool = False, *, keepdims: bool | None = None
) -> Tensor:
    """True where every element (along ``dim``) is nonzero."""
    if keepdims is not None:  # numpy's spelling, which PyTorch accepts too
        keepdim = keepdims
    xp = get_array_module(input._data)
    return Tensor._make(xp.asarray(xp.all(input._data, axis=dim, keepdims=keepdim)))


def any(  # noqa: A001,A002
    input: Tensor, dim: int | None = None, keepdim: bool = False, *, keepdims: bool | None = None
) -> Tensor:
    """True where any element (along ``dim``) is nonzero."""
    if keepdims is not None:  # numpy's spelling, which PyTorch accepts too
        keepdim = keepdims
    xp = get_array_module(input._data)
    return Tensor._make(xp.asarray(xp.any(input._data, axis=dim, keepdims=keepdim)))


def count_nonzero(input: Tensor, dim: Any = None) -> Tensor:  # noqa: A002
    """Number of nonzero elements (along ``dim``)."""
    xp = get_array_module(input._data)
    return Tensor._make(xp.asarray(xp.count_nonzero(input._data, axis=dim), dtype=np.int64))
