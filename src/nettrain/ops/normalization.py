"""Normalization over some axes, fused with the affine transform (batch/layer/group norm).

``y = (x - mean) / sqrt(var + eps) * weight + bias`` with mean and biased var over
``axes``. One op serves BatchNorm (axes N, H, W), LayerNorm (the trailing axes) and
GroupNorm (x viewed as (N, G, C/G, S), axes 2 and 3).
"""

from __future__ import annotations

from typing import Any

from nettrain.ops import Op


def _stats(xp: Any, x: Any, axes: tuple[int, ...], eps: float) -> tuple[Any, Any, Any]:
    """(mean, biased var, 1/sqrt(var + eps)), keeping the reduced axes."""
    mean = xp.mean(x, axis=axes, keepdims=True)
    centered = x - mean
    var = xp.mean(centered * centered, axis=axes, keepdims=True)
    return mean, var, 1 / xp.sqrt(var + eps)


class Normalize(Op):
    """dx = inv * (gh - mean(gh) - xhat * mean(gh * xhat)), gh = g * weight;
    dweight = g * xhat, dbias = g (summed to their shapes by the engine).

    Outputs ``(y, mean, var)``; mean and biased var (reduced shape) carry no gradient
    and serve BatchNorm's running statistics.
    """

    @staticmethod
    def forward(ctx: Any, x: Any, weight: Any, bias: Any, axes: tuple[int, ...], eps: float) -> Any:
        xp = ctx.xp
        mean, var, inv = _stats(xp, x, axes, eps)
        xhat = (x - mean) * inv
        out = xhat
        if weight is not None:
            out = out * weight
        if bias is not None:
            out = out + bias
        if out is xhat and ctx.needs_input_grad[0]:
            out = xhat.copy()  # keep xhat private for backward
        ctx.xhat, ctx.inv, ctx.axes, ctx.eps = xhat, inv, axes, eps
        ctx.save_for_backward(x, weight)
        ctx.mark_non_differentiable(mean, var)
        return out, mean, var

    @staticmethod
    def backward(ctx: Any, grad: Any, _gm: Any = None, _gv: Any = None) -> Any:
        xp = ctx.xp
        x, weight = ctx.saved_tensors
        axes = ctx.axes
        if ctx._graph:  # differentiable: rebuild xhat from x with history
            _, _, inv = _stats(xp, x, axes, ctx.eps)
            xhat = (x - xp.mean(x, axis=axes, keepdims=True)) * inv
        else:
            xhat, inv = ctx.xhat, ctx.inv
        need_x, need_w, need_b = ctx.needs_input_grad[:3]
        dx = dw = None
        if need_x:
            gh = grad if weight is None else grad * weight
            mean_g = xp.mean(gh, axis=axes, keepdims=True)
            mean_gx = xp.mean(gh * xhat, axis=axes, keepdims=True)
            dx = (gh - mean_g - xhat * mean_gx) * inv
        if need_w:
            dw = grad * xhat
        return dx, dw, (grad if need_b else None), None, None
