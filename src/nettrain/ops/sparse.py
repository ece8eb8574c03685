"""Embedding lookup: rows of a weight matrix picked by integer indices."""

from __future__ import annotations

from typing import Any

from nettrain.ops import Op
from nettrain.ops.indexing import ScatterAdd, _scatter_add


class Embedding(Op):
    """d weight[idx] = g summed into the picked rows (none into ``padding_idx``'s row)."""

    @staticmethod
    def forward(
        ctx: Any, weight: Any, indices: Any, padding_idx: int | None, scale_by_freq: bool
    ) -> Any:
        xp = ctx.xp
        flat = indices.reshape(-1)
        scale = None
        if padding_idx is not None or scale_by_freq:
            scale = xp.ones(flat.shape, dtype=weight.dtype)
            if scale_by_freq:
                counts = xp.bincount(flat, minlength=weight.shape[0])
                scale /= counts[flat].astype(weight.dtype)
            if padding_idx is not None:
                scale[flat == padding_idx] = 0
            scale = scale[:, None]
        ctx.flat, ctx.scale = flat, scale
        ctx.shape = weight.shape
        return weight[indices]

    @staticmethod
    def backward(ctx: Any, grad: Any) -> Any:
        rows = grad.reshape(-1, ctx.shape[1])
        if ctx.scale is not None:
            rows = rows * ctx.scale
        if ctx._graph:
            return ScatterAdd.apply(rows, ctx.shape, ctx.flat), None, None, None
        return _scatter_add(ctx.xp, ctx.shape, ctx.flat, rows), None, None, None
