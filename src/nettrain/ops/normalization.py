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
        mean = xp.mean(x, axis=axes, keepdims=True)
        xhat = x - mean
        var = xp.mean(xhat * xhat, axis=axes, keepdims=True)
        inv = 1 / xp.sqrt(var + eps)
        xhat *= inv  # in place: xhat owns its buffer
        if weight is not None:
            out = xhat * weight
            if bias is not None:
                out += bias
        elif bias is not None:
            out = xhat + bias
        else:
            out = xhat.copy() if ctx.needs_input_grad[0] else xhat  # keep xhat private
        ctx.xhat, ctx.inv, ctx.axes, ctx.eps = xhat, inv, axes, eps
        ctx.save_for_backward(x, weight)
        ctx.mark_non_differentiable(mean, var)
        return out, mean, var

    @staticmethod
    def backward(ctx: Any, grad: Any, _gm: Any = None, _gv: Any = None) -> Any:
        xp = ctx.xp
        x, weight = ctx.saved_tensors
        axes = ctx.axes
        need_x, need_w, need_b = ctx.needs_input_grad[:3]
        if ctx._graph:  # differentiable: rebuild xhat from x with history
            _, _, inv = _stats(xp, x, axes, ctx.eps)
            xhat = (x - xp.mean(x, axis=axes, keepdims=True)) * inv
            dx = None
            if need_x:
                gh = grad if weight is None else grad * weight
                mean_g = xp.mean(gh, axis=axes, keepdims=True)
                mean_gx = xp.mean(gh * xhat, axis=axes, keepdims=True)
                dx = (gh - mean_g - xhat * mean_gx) * inv
            dw = grad * xhat if need_w else None
            return dx, dw, (grad if need_b else None), None, None
        xhat, inv = ctx.xhat, ctx.inv
        dx = None
        if need_x:  # the same formula with fewer temporaries
            gh = grad if weight is None else grad * weight
            product = gh * xhat
            mean_gx = xp.mean(product, axis=axes, keepdims=True)
            dx = gh - xp.mean(gh, axis=axes, keepdims=True)
            xp.multiply(xhat, mean_gx, out=product)
            dx -= product
            dx *= inv
        dw = grad * xhat if need_w else None
        return dx, dw, (grad if need_b else None), None, None
