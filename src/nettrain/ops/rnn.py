"""One fused LSTM time step: a single graph node instead of a dozen per step."""

from __future__ import annotations

from typing import Any

from nettrain.ops import Op


def _sigmoid(xp: Any, z: Any) -> Any:
    out = xp.negative(z)
    xp.exp(out, out=out)
    out += 1
    xp.reciprocal(out, out=out)
    return out


class LSTMStep(Op):
    """One step with gate order i, f, g, o.

    a = x_proj + h W_hh^T;  c' = f c + i g;  h' = o tanh(c').
    Backward: dc' = g_c + g_h o (1 - tanh(c')^2); da_i = dc' g i(1-i); da_f = dc' c f(1-f);
    da_g = dc' i (1-g^2); da_o = g_h tanh(c') o(1-o); then dx_proj = da, dh = da W_hh,
    dW_hh = da^T h, dc = dc' f.
    """

    supports_double_backward = False  # backward concatenates gate blocks in place

    @staticmethod
    def forward(ctx: Any, x_proj: Any, h: Any, c: Any, w_hh: Any) -> Any:
        xp = ctx.xp
        hidden = h.shape[-1]
        gates = h @ w_hh.T
        gates += x_proj
        sig = _sigmoid(xp, gates)  # i, f and o blocks are used; g is recomputed below
        i = sig[:, :hidden]
        f = sig[:, hidden : 2 * hidden]
        o = sig[:, 3 * hidden :]
        g = xp.tanh(gates[:, 2 * hidden : 3 * hidden])
        c_new = f * c
        c_new += i * g
        tanh_c = xp.tanh(c_new)
        h_new = o * tanh_c
        ctx.i, ctx.f, ctx.g, ctx.o, ctx.tanh_c = i, f, g, o, tanh_c
        ctx.save_for_backward(h, c, w_hh)
        return h_new, c_new

    @staticmethod
    def backward(ctx: Any, grad_h: Any, grad_c: Any) -> Any:
        h, c, w_hh = ctx.saved_tensors
        xp = ctx.xp
        i, f, g, o, tanh_c = ctx.i, ctx.f, ctx.g, ctx.o, ctx.tanh_c
        hidden = h.shape[-1]
        dc = grad_c + grad_h * o * (1 - tanh_c * tanh_c)
        da = xp.empty((h.shape[0], 4 * hidden), dtype=dc.dtype)
        da[:, :hidden] = dc * g * i * (1 - i)
        da[:, hidden : 2 * hidden] = dc * c * f * (1 - f)
        da[:, 2 * hidden : 3 * hidden] = dc * i * (1 - g * g)
        da[:, 3 * hidden :] = grad_h * tanh_c * o * (1 - o)
        need_x, need_h, need_c, need_w = ctx.needs_input_grad
        grad_hprev = da @ w_hh if need_h else None
        grad_cprev = dc * f if need_c else None
        grad_w = da.T @ h if need_w else None
        return (da if need_x else None), grad_hprev, grad_cprev, grad_w


class Unbind(Op):
    """Split along ``dim`` into views, as one node; d = the gradients stacked back."""

    supports_double_backward = False

    @staticmethod
    def forward(ctx: Any, x: Any, dim: int) -> Any:
        ctx.dim = dim
        return tuple(ctx.xp.moveaxis(x, dim, 0))

    @staticmethod
    def backward(ctx: Any, *grads: Any) -> Any:
        return ctx.xp.stack(grads, axis=ctx.dim), None
