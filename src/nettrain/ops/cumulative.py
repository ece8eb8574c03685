"""Cumulative ops along one dimension: ``cumsum`` and ``cumprod``."""

from __future__ import annotations

from typing import Any

from nettrain.ops import Op


def _reverse_cumsum(ctx: Any, grad: Any, dim: int) -> Any:
    """sum over j >= i of grad[j]: the adjoint of a cumulative sum."""
    if ctx._graph:  # Tensors: build the same formula from differentiable ops
        return Cumsum.apply(grad.flip(dim), dim).flip(dim)
    xp = ctx.xp
    return xp.flip(xp.cumsum(xp.flip(grad, axis=dim), axis=dim), axis=dim)


class Cumsum(Op):
    """d cumsum(x)_j / dx_i = 1 for i <= j, so the gradient is a reversed cumsum of g."""

    @staticmethod
    def forward(ctx: Any, x: Any, dim: int) -> Any:
        ctx.dim = dim
        out = ctx.xp.cumsum(x, axis=dim)
        if x.dtype.kind in "biu" and out.dtype != "int64":
            out = out.astype("int64")  # PyTorch: integer cumsums are int64
        return out

    @staticmethod
    def backward(ctx: Any, grad: Any) -> Any:
        return _reverse_cumsum(ctx, grad, ctx.dim), None


class Cumprod(Op):
    """d cumprod(x)_j / dx_i = prod_{k <= j, k != i} x_k for i <= j (exact with zeros)."""

    supports_double_backward = False  # the zero-safe formula uses array-only steps

    @staticmethod
    def forward(ctx: Any, x: Any, dim: int) -> Any:
        ctx.dim = dim
        out = ctx.xp.cumprod(x, axis=dim)
        if x.dtype.kind in "biu" and out.dtype != "int64":
            out = out.astype("int64")
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx: Any, grad: Any) -> Any:
        x, out = ctx.saved_tensors
        xp, dim = ctx.xp, ctx.dim
        if not xp.any(x == 0):
            return _reverse_cumsum(ctx, grad * out, dim) / x, None
        return _cumprod_grad_with_zeros(xp, x, grad, dim), None


def _cumprod_grad_with_zeros(xp: Any, x: Any, grad: Any, dim: int) -> Any:
    """The exact gradient when some x are zero, from an (n, n) table per position.

    Row i of the table is x with x_i replaced by 1; its cumulative product at j >= i is
    d out_j / d x_i. O(n^2) memory, used only when a zero makes out / x undefined.
    """
    moved = xp.moveaxis(x, dim, -1)
    g = xp.moveaxis(grad, dim, -1)
    n = moved.shape[-1]
    eye = xp.eye(n, dtype=bool)
    table = xp.where(eye, xp.ones((), dtype=x.dtype), moved[..., None, :])
    partial = xp.cumprod(table, axis=-1)  # [..., i, j]
    upper = xp.triu(xp.ones((n, n), dtype=bool))  # only j >= i depends on x_i
    result = xp.sum(xp.where(upper, partial, 0) * g[..., None, :], axis=-1)
    return xp.moveaxis(result, -1, dim)
