"""Matrix products with numpy's matmul semantics: 1-D operands and batch broadcasting."""

from __future__ import annotations

from typing import Any

from nettrain.ops import Op
from nettrain.ops._dtype_rules import promote


class MatMul(Op):
    """d (x @ y) = (g @ y^T, x^T @ g), with 1-D operands treated as vectors."""

    @staticmethod
    def forward(ctx: Any, x: Any, y: Any) -> Any:
        if x.ndim == 0 or y.ndim == 0:
            raise RuntimeError(
                f"both arguments to matmul need to be at least 1D, but they are "
                f"{x.ndim}D and {y.ndim}D"
            )
        x, y = promote(x, y)
        ctx.save_for_backward(x, y)
        return ctx.xp.matmul(x, y)

    @staticmethod
    def backward(ctx: Any, grad: Any) -> Any:
        x, y = ctx.saved_tensors
        xp = ctx.xp
        need_x, need_y = ctx.needs_input_grad
        if x.ndim == 1 and y.ndim == 1:
            return (grad * y if need_x else None), (grad * x if need_y else None)
        if x.ndim == 1:  # (k) @ (..., k, n) -> (..., n)
            grad_x = xp.matmul(grad[..., None, :], xp.swapaxes(y, -1, -2))[..., 0, :]
            grad_y = x[:, None] * grad[..., None, :]
        elif y.ndim == 1:  # (..., m, k) @ (k) -> (..., m)
            grad_x = grad[..., :, None] * y
            grad_y = xp.matmul(xp.swapaxes(x, -1, -2), grad[..., :, None])[..., 0]
        else:
            grad_x = xp.matmul(grad, xp.swapaxes(y, -1, -2)) if need_x else None
            grad_y = xp.matmul(xp.swapaxes(x, -1, -2), grad) if need_y else None
        return (grad_x if need_x else None), (grad_y if need_y else None)
