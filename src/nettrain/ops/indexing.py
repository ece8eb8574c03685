"""Indexing: ``x[index]`` and ``x[index] = v`` with ints, slices, None, Ellipsis, masks
and integer arrays, differentiable in both directions."""

from __future__ import annotations

from typing import Any

from nettrain.ops import Op


def is_basic_index(index: Any) -> bool:
    """True when ``x[index]`` is a numpy view (no integer arrays or masks)."""
    parts = index if isinstance(index, tuple) else (index,)
    return all(part is None or part is Ellipsis or isinstance(part, (int, slice)) for part in parts)


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
