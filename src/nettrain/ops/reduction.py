"""Reductions over ``dim`` (None, an int or a tuple) with ``keepdim``."""

from __future__ import annotations

from math import prod as _prod
from typing import Any

import numpy as _np

from nettrain.dtypes import get_default_dtype
from nettrain.ops import Op

_ndarray = _np.ndarray
# Up to this many elements, a reduction's gradient is filled rather than broadcast.
_FILL_LIMIT = 4096


def normalize_dims(dim: Any, ndim: int) -> tuple[int, ...]:
    """``dim`` as a sorted tuple of non-negative axes (all axes for None)."""
    if dim is None:
        return tuple(range(ndim))
    dims = (dim,) if isinstance(dim, int) else tuple(dim)
    if not dims and ndim > 0:
        return tuple(range(ndim))
    out = set()
    for d in dims:
        if not -max(ndim, 1) <= d < max(ndim, 1):
            raise IndexError(
                f"Dimension out of range (expected to be in range of "
                f"[{-max(ndim, 1)}, {max(ndim, 1) - 1}], but got {d})"
            )
        out.add(d % max(ndim, 1) if ndim else 0)
    return tuple(sorted(out)) if ndim else ()


def kept_shape(shape: tuple[int, ...], axes: tuple[int, ...]) -> tuple[int, ...]:
    """The shape a keepdim reduction over ``axes`` produces."""
    return tuple(1 if i in axes else size for i, size in enumerate(shape))


def _expand_back(grad: Any, ctx: Any) -> Any:
    """Broadcast a reduced gradient back to the input's shape.

    A small numpy gradient is filled into a new array: two C calls, cheaper than
    ``broadcast_to``'s Python wrapper; large ones stay zero-copy broadcast views.
    """
    shape = ctx.shape
    if type(grad) is _ndarray and _prod(shape) <= _FILL_LIMIT:
        out = _np.empty(shape, grad.dtype)
        out[...] = grad.reshape(ctx.kept)
        return out
    return ctx.xp.broadcast_to(grad.reshape(ctx.kept), shape)


class Sum(Op):
    """d sum(x) = g broadcast back over the reduced axes."""

    @staticmethod
    def forward(ctx: Any, x: Any, axes: tuple[int, ...], keepdim: bool) -> Any:
        ctx.shape = x.shape
        ctx.kept = kept_shape(x.shape, axes)
        if x.dtype.kind == "b":
            x = x.astype("int64")
        return x.sum(axis=axes, keepdims=keepdim)  # the method skips np.sum's wrapper

    @staticmethod
    def backward(ctx: Any, grad: Any) -> Any:
        return _expand_back(grad, ctx), None, None


class Mean(Op):
    """d mean(x) = g / n broadcast back over the reduced axes."""

    @staticmethod
    def forward(ctx: Any, x: Any, axes: tuple[int, ...], keepdim: bool) -> Any:
        if x.dtype.kind != "f":
            raise RuntimeError(
                f"mean(): could not infer output dtype. Input dtype must be floating point, "
                f"got {x.dtype}; call .float() first"
            )
        ctx.shape = x.shape
        ctx.kept = kept_shape(x.shape, axes)
        count = 1
        for axis in axes:
            count *= x.shape[axis]
        ctx.count = count
        return x.mean(axis=axes, keepdims=keepdim)  # the method skips np.mean's wrapper

    @staticmethod
    def backward(ctx: Any, grad: Any) -> Any:
        return _expand_back(grad / ctx.count, ctx), None, None


class Amax(Op):
    """d amax(x) = g shared evenly among the elements equal to the maximum."""

    @staticmethod
    def forward(ctx: Any, x: Any, axes: tuple[int, ...], keepdim: bool) -> Any:
        xp = ctx.xp
        out = xp.max(x, axis=axes, keepdims=True)
        mask = x == out
        ctx.weight = mask / xp.sum(mask, axis=axes, keepdims=True).astype(x.dtype)
        ctx.shape, ctx.kept = x.shape, out.shape
        return (
            out
            if keepdim
            else out.reshape(tuple(s for i, s in enumerate(x.shape) if i not in axes))
        )

    @staticmethod
    def backward(ctx: Any, grad: Any) -> Any:
        return _expand_back(grad, ctx) * ctx.weight, None, None


class Amin(Amax):
    """d amin(x) = g shared evenly among the elements equal to the minimum."""

    @staticmethod
    def forward(ctx: Any, x: Any, axes: tuple[int, ...], keepdim: bool) -> Any:
        return Amax.forward(ctx, -x, axes, keepdim) * -1

    @staticmethod
    def backward(ctx: Any, grad: Any) -> Any:
        return Amax.backward(ctx, grad)


class MaxDim(Op):
    """d max(x, dim) = g at the returned index, zero elsewhere."""

    @staticmethod
    def forward(ctx: Any, x: Any, dim: int, keepdim: bool, largest: bool) -> Any:
        xp = ctx.xp
        indices = xp.argmax(x, axis=dim) if largest else xp.argmin(x, axis=dim)
        indices = xp.expand_dims(indices, dim)
        values = xp.take_along_axis(x, indices, axis=dim)
        ctx.dim, ctx.shape, ctx.kept = dim, x.shape, values.shape
        mask = xp.zeros(x.shape, dtype=x.dtype)
        xp.put_along_axis(mask, indices, 1, axis=dim)
        ctx.mask = mask
        if not keepdim:
            values = xp.squeeze(values, axis=dim)
            indices = xp.squeeze(indices, axis=dim)
        ctx.mark_non_differentiable(indices)
        return values, indices

    @staticmethod
    def backward(ctx: Any, grad: Any, _grad_indices: Any = None) -> Any:
        return _expand_back(grad, ctx) * ctx.mask, None, None, None


class Var(Op):
    """d var(x) = g * 2 (x - mean) / (n - correction)."""

    @staticmethod
    def forward(ctx: Any, x: Any, axes: tuple[int, ...], correction: float, keepdim: bool) -> Any:
        count = 1
        for axis in axes:
            count *= x.shape[axis]
        ctx.axes, ctx.denominator = axes, max(count - correction, 0)
        ctx.shape, ctx.kept = x.shape, kept_shape(x.shape, axes)
        ctx.save_for_backward(x)
        return ctx.xp.var(x, axis=axes, ddof=correction, keepdims=keepdim)

    @staticmethod
    def backward(ctx: Any, grad: Any) -> Any:
        (x,) = ctx.saved_tensors
        centered = x - ctx.xp.mean(x, axis=ctx.axes, keepdims=True)
        scale = 2.0 / ctx.denominator if ctx.denominator else float("nan")  # n <= correction
        return _expand_back(grad, ctx) * centered * scale, None, None, None


class Std(Op):
    """d std(x) = g * (x - mean) / ((n - correction) * std)."""

    @staticmethod
    def forward(ctx: Any, x: Any, axes: tuple[int, ...], correction: float, keepdim: bool) -> Any:
        count = 1
        for axis in axes:
            count *= x.shape[axis]
        ctx.axes, ctx.denominator = axes, max(count - correction, 0)
        ctx.shape, ctx.kept = x.shape, kept_shape(x.shape, axes)
        out = ctx.xp.std(x, axis=axes, ddof=correction, keepdims=keepdim)
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx: Any, grad: Any) -> Any:
        x, out = ctx.saved_tensors
        xp = ctx.xp
        out = out.reshape(ctx.kept)
        centered = x - xp.mean(x, axis=ctx.axes, keepdims=True)
        constant = out == 0  # all values equal: gradient 0, as PyTorch (not 0/0)
        scale = centered / (xp.where(constant, 1.0, out) * ctx.denominator)
        return _expand_back(grad, ctx) * xp.where(constant, 0.0, scale), None, None, None


class LogSumExp(Op):
    """d logsumexp(x) = g * exp(x - logsumexp(x)) = g * softmax(x)."""

    @staticmethod
    def forward(ctx: Any, x: Any, axes: tuple[int, ...], keepdim: bool) -> Any:
        xp = ctx.xp
        if x.dtype.kind != "f":
            x = x.astype(get_default_dtype().numpy)
        peak = xp.max(x, axis=axes, keepdims=True)
        peak = xp.where(xp.isfinite(peak), peak, 0)
        out = xp.log(xp.sum(xp.exp(x - peak), axis=axes, keepdims=True)) + peak
        ctx.shape, ctx.kept = x.shape, out.shape
        if not keepdim:
            out = out.reshape(tuple(s for i, s in enumerate(x.shape) if i not in axes))
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx: Any, grad: Any) -> Any:
        x, out = ctx.saved_tensors
        out = out.reshape(ctx.kept)
        return _expand_back(grad, ctx) * ctx.xp.exp(x - out), None, None


class Prod(Op):
    """d prod(x) = g * product of the other elements (exact with zeros)."""

    @staticmethod
    def forward(ctx: Any, x: Any, axis: int | None, keepdim: bool) -> Any:
        xp = ctx.xp
        ctx.save_for_backward(x)
        ctx.flat = axis is None
        if axis is None:
            ctx.full_shape = x.shape
            x = x.reshape(-1)
            axis = 0
        ctx.axis, ctx.shape = axis, x.shape
        ctx.kept = kept_shape(x.shape, (axis,))
        out = xp.prod(x, axis=axis, keepdims=keepdim and not ctx.flat)
        if ctx.flat and keepdim:
            out = out.reshape((1,) * len(ctx.full_shape))
        return out

    @staticmethod
    def backward(ctx: Any, grad: Any) -> Any:
        xp = ctx.xp
        (x,) = ctx.saved_tensors
        x = x.reshape(ctx.shape)
        axis = ctx.axis
        if ctx._graph:
            others = _products_of_others(xp, x, axis)
        else:
            ones = xp.ones_like(xp.take(x, [0], axis=axis))
            before = xp.cumprod(xp.concatenate([ones, x], axis=axis), axis=axis)
            before = xp.take(before, range(x.shape[axis]), axis=axis)
            flipped = xp.flip(x, axis=axis)
            after = xp.cumprod(xp.concatenate([ones, flipped], axis=axis), axis=axis)
            after = xp.flip(xp.take(after, range(x.shape[axis]), axis=axis), axis=axis)
            others = before * after
        result = _expand_back(grad, ctx) * others
        if ctx.flat:
            result = result.reshape(ctx.full_shape)
        return result, None, None


def _products_of_others(xp: Any, x: Any, axis: int) -> Any:
    """For each element, the product of the others along ``axis``, from differentiable ops.

    Used by double backward: an (n, n) table per position holds x with its own entry
    replaced by 1, and Prod reduces it (O(n^2) memory, only when create_graph=True).
    """
    from nettrain.backend import get_array_module

    n, last = x.shape[axis], x.ndim - 1
    moved = xp.swapaxes(x, axis, last)
    rows = xp.broadcast_to(xp.expand_dims(moved, last), (*moved.shape[:-1], n, n))
    eye = get_array_module(x._data).eye(n, dtype=bool)
    others = Prod.apply(xp.where(eye, 1.0, rows), last + 1, False)
    return xp.swapaxes(others, axis, last)
