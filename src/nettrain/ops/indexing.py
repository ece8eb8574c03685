"""Indexing: ``x[index]`` and ``x[index] = v`` with ints, slices, None, Ellipsis, masks
and integer arrays, differentiable in both directions."""

from __future__ import annotations

from typing import Any

import numpy as np

from nettrain.ops import Op


def is_basic_index(index: Any) -> bool:
    """True when ``x[index]`` is a numpy view (no integer arrays or masks)."""
    parts = index if isinstance(index, tuple) else (index,)
    return all(part is None or part is Ellipsis or isinstance(part, (int, slice)) for part in parts)


def check_integer_index(xp: Any, index: Any, shape: tuple[int, ...]) -> None:
    """Raise IndexError for an out-of-range integer-array index (as numpy does).

    cupy wraps such indices around instead of raising, so a bad label would silently
    read another row. numpy checks by itself: this runs for the other array modules only,
    at the cost of one small reduction read back per integer-array part.
    """
    if xp is np:
        return
    parts = index if isinstance(index, tuple) else (index,)
    consumed = sum(
        (p.ndim if getattr(p, "dtype", None) is not None and p.dtype.kind == "b" else 1)
        for p in parts
        if p is not None and p is not Ellipsis
    )
    dim = 0
    for part in parts:
        if part is None:
            continue
        if part is Ellipsis:
            dim += len(shape) - consumed
            continue
        kind = getattr(getattr(part, "dtype", None), "kind", None)
        if kind in ("i", "u") and dim < len(shape):
            size = shape[dim]
            outside = (part < -size) | (part >= size)
            if part.size and bool(outside.any()):
                value = int(part[outside].reshape(-1)[0])
                raise IndexError(
                    f"index {value} is out of bounds for dimension {dim} with size {size}"
                )
        dim += part.ndim if kind == "b" else 1


def _scatter_add(xp: Any, shape: tuple[int, ...], index: Any, grad: Any) -> Any:
    """zeros(shape) with ``grad`` added at ``index``; repeated indices accumulate."""
    out = xp.zeros(shape, dtype=grad.dtype)
    if is_basic_index(index):
        out[index] = grad
    else:
        xp.add.at(out, index, grad)  # cupy offers the same ufunc method
    return out


class GetItem(Op):
    """d x[i] = g scattered back into zeros at i (summing repeated positions)."""

    @staticmethod
    def forward(ctx: Any, x: Any, index: Any) -> Any:
        ctx.shape, ctx.index = x.shape, index
        check_integer_index(ctx.xp, index, x.shape)
        out = x[index]
        ctx.basic = is_basic_index(index)
        if ctx.basic and type(out) is not type(x):
            # numpy gives a scalar copy for a full integer index; "..." keeps a 0-d view
            out = x[(*index, Ellipsis) if isinstance(index, tuple) else (index, Ellipsis)]
        return out

    @staticmethod
    def backward(ctx: Any, grad: Any) -> Any:
        if ctx._graph:
            return ScatterAdd.apply(grad, ctx.shape, ctx.index), None
        return _scatter_add(ctx.xp, ctx.shape, ctx.index, grad), None


class GetItemView(GetItem):
    """``x[basic index]``: a view that shares the version counter of ``x``."""

    is_view = True


class ScatterAdd(Op):
    """d scatter_add(g) = g[i]: the adjoint of indexing, for double backward."""

    @staticmethod
    def forward(ctx: Any, grad: Any, shape: tuple[int, ...], index: Any) -> Any:
        ctx.index = index
        return _scatter_add(ctx.xp, shape, index, grad)

    @staticmethod
    def backward(ctx: Any, grad: Any) -> Any:
        return grad[ctx.index], None, None


class IndexPut(Op):
    """d (x with x[i] = v) = (g with g[i] = 0, g[i])."""

    @staticmethod
    def forward(ctx: Any, x: Any, value: Any, index: Any) -> Any:
        xp = ctx.xp
        check_integer_index(xp, index, x.shape)
        out = x.copy()
        out[index] = value
        keep = xp.ones(x.shape, dtype=x.dtype)
        keep[index] = 0
        ctx.keep, ctx.index = keep, index
        return out

    @staticmethod
    def backward(ctx: Any, grad: Any) -> Any:
        need_x, need_value, _ = ctx.needs_input_grad
        grad_x = grad * ctx.keep if need_x else None
        grad_value = grad[ctx.index] if need_value else None
        return grad_x, grad_value, None
