"""The fused affine map ``x @ W^T + b``: one node instead of transpose, matmul and add."""

from __future__ import annotations

from typing import Any

from nettrain.ops import Op


class Linear(Op):
    """d (x W^T + b) = (g W, g^T x, sum g) with leading dims of x flattened into rows."""

    @staticmethod
    def forward(ctx: Any, x: Any, weight: Any, bias: Any = None) -> Any:
        ctx.save_for_backward(x, weight)
        ctx.x_rows = None
        if x.ndim == 2:
            out = x @ weight.T
            if bias is not None:
                out += bias
            return out
        rows = x.reshape(-1, weight.shape[1])  # a view for contiguous x: one BLAS call
        if not x.flags.c_contiguous:  # rows is a private copy: keep it for the weight grad
            ctx.x_rows = rows
        out = rows @ weight.T
        if bias is not None:
            out += bias
        return out.reshape(*x.shape[:-1], weight.shape[0])

    @staticmethod
    def backward(ctx: Any, grad: Any) -> Any:
        x, weight = ctx.saved_tensors
        need_x, need_w, need_b = ctx.needs_input_grad
        out_features, in_features = weight.shape
        if x.ndim == 2:
            rows, x_rows = grad, x
        else:
            rows = grad.reshape(-1, out_features)
            private = ctx.x_rows is not None and not ctx._graph  # Tensors need x's history
            x_rows = ctx.x_rows if private else x.reshape(-1, in_features)
        grad_x = None
        if need_x:
            grad_x = rows @ weight if x.ndim == 2 else (rows @ weight).reshape(x.shape)
        grad_w = ctx.xp.swapaxes(rows, 0, 1) @ x_rows if need_w else None
        grad_b = ctx.xp.sum(rows, axis=0) if need_b else None
        return grad_x, grad_w, grad_b


class Bilinear(Op):
    """y_k = x1^T A_k x2 + b_k; d/dx1 = sum_k g_k A_k x2, d/dx2 = sum_k g_k A_k^T x1."""

    @staticmethod
    def forward(ctx: Any, x1: Any, x2: Any, weight: Any, bias: Any = None) -> Any:
        out_features, in1, in2 = weight.shape
        a = x1.reshape(-1, in1)
        b = x2.reshape(-1, in2)
        # (N, in1) @ (in1, out*in2) -> (N, out, in2), then contract in2 with x2.
        t = (a @ ctx.xp.swapaxes(weight, 0, 1).reshape(in1, out_features * in2)).reshape(
            -1, out_features, in2
        )
        out = (t @ b[:, :, None])[..., 0]
        if bias is not None:
            out += bias
        ctx.save_for_backward(x1, x2, weight)
        return out.reshape(*x1.shape[:-1], out_features)

    @staticmethod
    def backward(ctx: Any, grad: Any) -> Any:
        x1, x2, weight = ctx.saved_tensors
        xp = ctx.xp
        need_1, need_2, need_w, need_b = ctx.needs_input_grad
        out_features, in1, in2 = weight.shape
        g = grad.reshape(-1, out_features)
        a = x1.reshape(-1, in1)
        b = x2.reshape(-1, in2)
        flat_w = weight.reshape(out_features, in1 * in2)
        grad_1 = grad_2 = grad_w = grad_b = None
        if need_1 or need_2:
            gw = (g @ flat_w).reshape(-1, in1, in2)  # sum_k g_k A_k per row
            if need_1:
                grad_1 = (gw @ b[:, :, None])[..., 0].reshape(x1.shape)
            if need_2:
                grad_2 = (xp.swapaxes(gw, 1, 2) @ a[:, :, None])[..., 0].reshape(x2.shape)
        if need_w:
            outer = (a[:, :, None] * b[:, None, :]).reshape(-1, in1 * in2)
            grad_w = (xp.swapaxes(g, 0, 1) @ outer).reshape(weight.shape)
        if need_b:
            grad_b = xp.sum(g, axis=0)
        return grad_1, grad_2, grad_w, grad_b
