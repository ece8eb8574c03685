"""Fused recurrent ops: one graph node per step (LSTMStep, GRUStep, RNNStep) or per
sequence (LSTMSequence) instead of a dozen per step."""

from __future__ import annotations

from typing import Any

from nettrain.ops import Op


def _sigmoid(xp: Any, z: Any, out: Any = None) -> Any:
    """1 / (1 + exp(-z)) into ``out`` (which may be ``z`` itself) or a new array."""
    out = xp.negative(z, out=out)
    xp.exp(out, out=out)
    out += 1
    xp.reciprocal(out, out=out)
    return out


def _lstm_gate_grads(da: Any, dh: Any, dc: Any, acts: tuple, tanh_c: Any, c_prev: Any) -> Any:
    """Fill ``da`` (N, 4H) with the gate pre-activation gradients of one step and return
    the gradient of the new cell state (``dc`` plus what flows through ``h``)."""
    i, f, g, o = acts
    hidden = i.shape[-1]
    dc = dc + dh * o * (1 - tanh_c * tanh_c)
    da[:, :hidden] = dc * g * i * (1 - i)
    da[:, hidden : 2 * hidden] = dc * c_prev * f * (1 - f)
    da[:, 2 * hidden : 3 * hidden] = dc * i * (1 - g * g)
    da[:, 3 * hidden :] = dh * tanh_c * o * (1 - o)
    return dc


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
        gates = (ctx.i, ctx.f, ctx.g, ctx.o)
        da = xp.empty((h.shape[0], 4 * h.shape[-1]), dtype=xp.result_type(grad_h, grad_c))
        dc = _lstm_gate_grads(da, grad_h, grad_c, gates, ctx.tanh_c, c)
        need_x, need_h, need_c, need_w = ctx.needs_input_grad
        grad_hprev = da @ w_hh if need_h else None
        grad_cprev = dc * ctx.f if need_c else None
        grad_w = da.T @ h if need_w else None
        return (da if need_x else None), grad_hprev, grad_cprev, grad_w


class LSTMSequence(Op):
    """A whole sequence of ``LSTMStep``s as one node (nn.LSTM's path).

    Same gate equations; what one node buys is the weight gradient as one GEMM over all
    steps (``dW_hh = sum_t da_t^T h_{t-1}``) instead of one product and one accumulation per
    step, ``W_hh^T`` made contiguous once (a plain NN product per step), and activations
    written into preallocated ``(T, N, .)`` buffers. ``reverse`` runs from the last step
    to the first (the backward direction of a bidirectional layer).
    """

    supports_double_backward = False  # backward fills gate blocks in place

    @staticmethod
    def forward(ctx: Any, x_proj: Any, h0: Any, c0: Any, w_hh: Any, reverse: bool) -> Any:
        xp = ctx.xp
        steps, batch, width = x_proj.shape
        hidden = width // 4
        g_block = slice(2 * hidden, 3 * hidden)
        dtype = xp.result_type(x_proj, w_hh)
        w_t = xp.ascontiguousarray(w_hh.T)
        acts = xp.empty((steps, batch, width), dtype=dtype)  # sigmoid(i, f, o), tanh(g)
        cells = xp.empty((steps, batch, hidden), dtype=dtype)
        tanh_c = xp.empty_like(cells)
        out = xp.empty_like(cells)
        scratch = xp.empty((batch, hidden), dtype=dtype)
        h, c = h0, c0
        for t in _order(steps, reverse):
            a = acts[t]
            xp.matmul(h, w_t, out=a)
            a += x_proj[t]
            g = xp.tanh(a[:, g_block])
            _sigmoid(xp, a, out=a)
            a[:, g_block] = g
            c_new, h_new = cells[t], out[t]
            xp.multiply(a[:, hidden : 2 * hidden], c, out=c_new)
            xp.multiply(a[:, :hidden], g, out=scratch)
            c_new += scratch
            xp.tanh(c_new, out=tanh_c[t])
            xp.multiply(a[:, 3 * hidden :], tanh_c[t], out=h_new)
            h, c = h_new, c_new
        ctx.acts, ctx.cells, ctx.tanh_c, ctx.reverse = acts, cells, tanh_c, reverse
        ctx.save_for_backward(h0, c0, w_hh, out)
        return out, h.copy(), c.copy()

    @staticmethod
    def backward(ctx: Any, grad_out: Any, grad_h: Any, grad_c: Any) -> Any:
        h0, c0, w_hh, out = ctx.saved_tensors
        xp, acts, cells, tanh_c, reverse = ctx.xp, ctx.acts, ctx.cells, ctx.tanh_c, ctx.reverse
        steps, _, width = acts.shape
        hidden = width // 4
        da = xp.empty_like(acts)
        dh, dc = grad_h, grad_c
        before = 1 if reverse else -1  # where step t's previous state lives
        for t in _order(steps, not reverse):
            gates = tuple(acts[t, :, k * hidden : (k + 1) * hidden] for k in range(4))
            c_prev = c0 if t + before in (-1, steps) else cells[t + before]
            dh = grad_out[t] + dh
            dc = _lstm_gate_grads(da[t], dh, dc, gates, tanh_c[t], c_prev)
            dh = da[t] @ w_hh
            dc = dc * gates[1]
        need_x, need_h, need_c, need_w = ctx.needs_input_grad[:4]
        grad_w = None
        if need_w:  # h_{t-1} is out[t-1] (out[t+1] in reverse), h0 at the first step
            if reverse:
                first, inner, prev = steps - 1, slice(0, -1), slice(1, None)
            else:
                first, inner, prev = 0, slice(1, None), slice(0, -1)
            grad_w = da[first].T @ h0
            if steps > 1:
                grad_w += da[inner].reshape(-1, width).T @ out[prev].reshape(-1, hidden)
        return (
            da if need_x else None,
            dh if need_h else None,
            dc if need_c else None,
            grad_w,
            None,
        )


def _order(steps: int, reverse: bool) -> range:
    return range(steps - 1, -1, -1) if reverse else range(steps)


class GRUStep(Op):
    """One GRU step, gate order r, z, n, with b_hn inside the reset gate as PyTorch.

    hh = h W_hh^T + b_hh;  r, z = sigmoid(x_r + hh_r), sigmoid(x_z + hh_z);
    n = tanh(x_n + r hh_n);  h' = n + z (h - n).
    Backward: da_n = g (1-z)(1-n^2); da_r = da_n hh_n r(1-r); da_z = g (h-n) z(1-z);
    dx = [da_r, da_z, da_n], dhh = [da_r, da_z, da_n r], dh = g z + dhh W_hh.
    """

    supports_double_backward = False  # backward fills gate blocks in place

    @staticmethod
    def forward(ctx: Any, x_proj: Any, h: Any, w_hh: Any, b_hh: Any = None) -> Any:
        xp = ctx.xp
        hidden = h.shape[-1]
        hh = h @ w_hh.T
        if b_hh is not None:
            hh += b_hh
        rz = x_proj[:, : 2 * hidden] + hh[:, : 2 * hidden]
        rz = _sigmoid(xp, rz)
        r, z = rz[:, :hidden], rz[:, hidden:]
        hh_n = hh[:, 2 * hidden :]
        n = xp.tanh(x_proj[:, 2 * hidden :] + r * hh_n)
        h_new = h - n
        h_new *= z
        h_new += n
        ctx.r, ctx.z, ctx.n, ctx.hh_n = r, z, n, hh_n
        ctx.save_for_backward(h, w_hh)
        return h_new

    @staticmethod
    def backward(ctx: Any, grad: Any) -> Any:
        h, w_hh = ctx.saved_tensors
        xp = ctx.xp
        r, z, n, hh_n = ctx.r, ctx.z, ctx.n, ctx.hh_n
        hidden = h.shape[-1]
        da_n = grad * (1 - z) * (1 - n * n)
        dx = xp.empty((h.shape[0], 3 * hidden), dtype=grad.dtype)
        dx[:, :hidden] = da_n * hh_n * r * (1 - r)
        dx[:, hidden : 2 * hidden] = grad * (h - n) * z * (1 - z)
        dx[:, 2 * hidden :] = da_n
        dhh = dx.copy()
        dhh[:, 2 * hidden :] *= r
        need_x, need_h, need_w, need_b = ctx.needs_input_grad
        grad_h = grad * z + dhh @ w_hh if need_h else None
        grad_w = dhh.T @ h if need_w else None
        grad_b = dhh.sum(axis=0) if need_b else None
        return (dx if need_x else None), grad_h, grad_w, grad_b


class RNNStep(Op):
    """One Elman step: h' = act(x_proj + h W_hh^T), act tanh or relu (biases in x_proj).

    Backward: da = g (1 - h'^2) for tanh, g [h' > 0] for relu; dx_proj = da,
    dh = da W_hh, dW_hh = da^T h.
    """

    supports_double_backward = False  # backward reads the saved output, not a graph

    @staticmethod
    def forward(ctx: Any, x_proj: Any, h: Any, w_hh: Any, nonlinearity: str = "tanh") -> Any:
        xp = ctx.xp
        out = h @ w_hh.T
        out += x_proj
        if nonlinearity == "tanh":
            xp.tanh(out, out=out)
        else:
            xp.maximum(out, 0, out=out)
        ctx.nonlinearity = nonlinearity
        ctx.out = out
        ctx.save_for_backward(h, w_hh)
        return out

    @staticmethod
    def backward(ctx: Any, grad: Any) -> Any:
        h, w_hh = ctx.saved_tensors
        out = ctx.out
        if ctx.nonlinearity == "tanh":
            da = grad * (1 - out * out)
        else:
            da = grad * (out > 0)
        need_x, need_h, need_w = ctx.needs_input_grad[:3]
        grad_h = da @ w_hh if need_h else None
        grad_w = da.T @ h if need_w else None
        return (da if need_x else None), grad_h, grad_w, None
