"""Hand-written numpy versions of the benchmark workloads: no autograd, no framework.

They are the floor for a numpy-based framework: the same arithmetic, with the
gradient formulas written out by hand. Each ``build_*`` returns a ``step()``
callable that does one training step (or one op/backward) and returns the loss.
Buffers are reused where a careful numpy programmer would reuse them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np


def _softmax_ce(z: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    """Mean cross-entropy of logits ``z`` and its gradient with respect to ``z``."""
    shifted = z - z.max(axis=1, keepdims=True)
    e = np.exp(shifted)
    total = e.sum(axis=1, keepdims=True)
    rows = np.arange(z.shape[0])
    loss = float(np.log(total[:, 0]).mean() - shifted[rows, y].mean())
    grad = e / total
    grad[rows, y] -= 1.0
    grad *= 1.0 / z.shape[0]
    return loss, grad


def _sgd(
    params: list[np.ndarray], grads: list[np.ndarray], bufs: list[Any], lr: float, momentum: float
) -> None:
    """PyTorch's SGD: the first step's buffer is the gradient itself."""
    for i, (p, g) in enumerate(zip(params, grads)):
        if momentum:
            if bufs[i] is None:
                bufs[i] = g.copy()
            else:
                bufs[i] *= momentum
                bufs[i] += g
            g = bufs[i]
        p -= lr * g


def build_toy(data: dict) -> Callable[[], float]:
    """Linear(4,2) -> softmax -> cross-entropy (on the probabilities, as SPEC 1) -> SGD."""
    w, b = data["params"][0].copy(), data["params"][1].copy()
    x, y = data["x"], data["y"]
    lr = data["lr"]

    def step() -> float:
        z = x @ w.T + b
        e = np.exp(z - z.max(axis=1, keepdims=True))
        p = e / e.sum(axis=1, keepdims=True)
        loss, gp = _softmax_ce(p, y)
        # softmax backward: gz = p * (gp - sum(gp * p))
        gz = p * (gp - (gp * p).sum(axis=1, keepdims=True))
        gw = gz.T @ x
        gb = gz.sum(axis=0)
        np.subtract(w, lr * gw, out=w)
        np.subtract(b, lr * gb, out=b)
        return loss

    return step


def build_op(data: dict) -> Callable[[], float]:
    """(a*b + a).sum() and its gradients accumulated into a.grad, b.grad."""
    a, b = data["a"], data["b"]
    ga = np.zeros_like(a)
    gb = np.zeros_like(b)

    def step() -> float:
        c = a * b + a
        s = c.sum()
        g = np.ones_like(c)
        ga.__iadd__(g * b + g)
        gb.__iadd__(g * a)
        return float(s)

    return step


def build_chain(data: dict) -> Callable[[], float]:
    """x = a; repeat n times: x = x*b; x = x+a; then sum() and backward by hand."""
    a, b, n = data["a"], data["b"], data["pairs"]
    ga = np.zeros_like(a)
    gb = np.zeros_like(b)

    def step() -> float:
        xs = []
        x = a
        for _ in range(n):
            xs.append(x)
            x = x * b
            x = x + a
        s = float(x.sum())
        g = np.ones_like(x)
        for prev in reversed(xs):
            ga.__iadd__(g)  # from x + a
            gb.__iadd__(g * prev)  # from x * b
            g = g * b
        return s

    return step


def build_mlp(data: dict) -> Callable[[], float]:
    """784-512-512-10 ReLU MLP, cross-entropy, SGD with momentum."""
    params = [p.copy() for p in data["params"]]
    w1, b1, w2, b2, w3, b3 = params
    x, y = data["x"], data["y"]
    bufs: list[Any] = [None] * 6
    lr, momentum = data["lr"], data["momentum"]

    def step() -> float:
        a1 = x @ w1.T
        a1 += b1
        np.maximum(a1, 0.0, out=a1)
        a2 = a1 @ w2.T
        a2 += b2
        np.maximum(a2, 0.0, out=a2)
        z = a2 @ w3.T
        z += b3
        loss, gz = _softmax_ce(z, y)
        gw3 = gz.T @ a2
        gb3 = gz.sum(axis=0)
        g2 = gz @ w3
        g2 *= a2 > 0
        gw2 = g2.T @ a1
        gb2 = g2.sum(axis=0)
        g1 = g2 @ w2
        g1 *= a1 > 0
        gw1 = g1.T @ x
        gb1 = g1.sum(axis=0)
        _sgd(params, [gw1, gb1, gw2, gb2, gw3, gb3], bufs, lr, momentum)
        return loss

    return step


def _conv_forward(x: np.ndarray, w: np.ndarray, bias: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Valid convolution (stride 1): im2col ``(N, C*kH*kW, Ho*Wo)``, copied with the output
    positions innermost (contiguous runs), then one batched GEMM straight into NCHW."""
    n, c, h, wd = x.shape
    o, _, kh, kw = w.shape
    ho, wo = h - kh + 1, wd - kw + 1
    windows = np.lib.stride_tricks.sliding_window_view(x, (kh, kw), axis=(2, 3))
    cols = windows.transpose(0, 1, 4, 5, 2, 3).reshape(n, c * kh * kw, ho * wo)
    out = w.reshape(o, -1) @ cols
    out += bias[:, None]
    return out.reshape(n, o, ho, wo), cols


def _conv_backward(
    gout: np.ndarray, cols: np.ndarray, x_shape: tuple, w: np.ndarray, need_input: bool
) -> tuple[Any, np.ndarray, np.ndarray]:
    n, o, ho, wo = gout.shape
    _, c, kh, kw = w.shape
    gmat = gout.reshape(n, o, ho * wo)
    gw = (gmat @ cols.transpose(0, 2, 1)).sum(axis=0).reshape(w.shape)
    gb = gout.sum(axis=(0, 2, 3))
    gx = None
    if need_input:
        gcols = (w.reshape(o, -1).T @ gmat).reshape(n, c, kh, kw, ho, wo)
        gx = np.zeros(x_shape, dtype=gout.dtype)
        for i in range(kh):  # a loop over the 9 kernel taps, not over positions
            for j in range(kw):
                gx[:, :, i : i + ho, j : j + wo] += gcols[:, :, i, j]
    return gx, gw, gb


def _pool_forward(x: np.ndarray) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray]]:
    """2x2 max pooling with stride 2 (odd edges dropped, as PyTorch): a maximum over column
    pairs, then over row pairs; the two masks say which element of each pair won."""
    h, w = x.shape[2] // 2 * 2, x.shape[3] // 2 * 2
    left, right = x[:, :, :h, 0:w:2], x[:, :, :h, 1:w:2]
    col = right > left
    pairs = np.maximum(left, right)
    top, bottom = pairs[:, :, 0::2], pairs[:, :, 1::2]
    row = bottom > top
    return np.maximum(top, bottom), (col, row)


def _pool_backward(
    gout: np.ndarray, masks: tuple[np.ndarray, np.ndarray], x_shape: tuple
) -> np.ndarray:
    col, row = masks
    ho, wo = gout.shape[2:]
    rows = np.empty((*gout.shape[:2], 2 * ho, wo), dtype=gout.dtype)
    np.multiply(gout, row, out=rows[:, :, 1::2])
    np.multiply(gout, ~row, out=rows[:, :, 0::2])
    gx = np.zeros(x_shape, dtype=gout.dtype)
    np.multiply(rows, ~col, out=gx[:, :, : 2 * ho, 0 : 2 * wo : 2])
    np.multiply(rows, col, out=gx[:, :, : 2 * ho, 1 : 2 * wo : 2])
    return gx


def build_cnn(data: dict) -> Callable[[], float]:
    """conv(1->8) relu pool conv(8->16) relu pool flatten linear(400->10), SGD momentum."""
    params = [p.copy() for p in data["params"]]
    c1w, c1b, c2w, c2b, fw, fb = params
    x, y = data["x"], data["y"]
    bufs: list[Any] = [None] * 6
    lr, momentum = data["lr"], data["momentum"]

    def step() -> float:
        h1, cols1 = _conv_forward(x, c1w, c1b)
        r1 = np.maximum(h1, 0.0)
        p1, m1 = _pool_forward(r1)
        h2, cols2 = _conv_forward(p1, c2w, c2b)
        r2 = np.maximum(h2, 0.0)
        p2, m2 = _pool_forward(r2)
        flat = p2.reshape(p2.shape[0], -1)
        z = flat @ fw.T + fb
        loss, gz = _softmax_ce(z, y)
        gfw = gz.T @ flat
        gfb = gz.sum(axis=0)
        gp2 = (gz @ fw).reshape(p2.shape)
        gr2 = _pool_backward(gp2, m2, r2.shape)
        gr2 *= h2 > 0
        gp1, gc2w, gc2b = _conv_backward(gr2, cols2, p1.shape, c2w, True)
        gr1 = _pool_backward(gp1, m1, r1.shape)
        gr1 *= h1 > 0
        _, gc1w, gc1b = _conv_backward(gr1, cols1, x.shape, c1w, False)
        _sgd(params, [gc1w, gc1b, gc2w, gc2b, gfw, gfb], bufs, lr, momentum)
        return loss

    return step


def build_adam(data: dict) -> Callable[[], float]:
    """One Adam step (PyTorch's formula) over all parameters with fixed gradients."""
    params = [p.copy() for p in data["params"]]
    grads = data["grads"]
    lr, (beta1, beta2), eps = data["lr"], data["betas"], data["eps"]
    ms = [np.zeros_like(p) for p in params]
    vs = [np.zeros_like(p) for p in params]
    scratch = [np.empty_like(p) for p in params]
    state = {"t": 0}

    def step() -> float:
        state["t"] += 1
        t = state["t"]
        bc1 = 1.0 - beta1**t
        bc2_sqrt = (1.0 - beta2**t) ** 0.5
        for p, g, m, v, s in zip(params, grads, ms, vs, scratch):
            m *= beta1
            np.multiply(g, 1.0 - beta1, out=s)
            m += s
            v *= beta2
            np.multiply(g, g, out=s)
            s *= 1.0 - beta2
            v += s
            np.sqrt(v, out=s)
            s *= 1.0 / bc2_sqrt
            s += eps
            np.divide(m, s, out=s)
            s *= lr / bc1
            p -= s
        return float(params[0][0, 0])

    return step


def _sigmoid(x: np.ndarray) -> np.ndarray:
    out = np.negative(x)
    np.exp(out, out=out)
    out += 1.0
    return np.reciprocal(out, out=out)


def build_lstm(data: dict) -> Callable[[], float]:
    """One-layer LSTM over T steps, Linear on the last hidden state, cross-entropy, SGD.

    The input projection of all T steps is one GEMM, as is its weight gradient; only the
    recurrent product runs per step (forward and backward through time).
    """
    params = [p.copy() for p in data["params"]]
    w_ih, w_hh, b_ih, b_hh, w_out, b_out = params
    x, y = data["x"], data["y"]
    steps, batch, inputs = x.shape
    hidden = w_hh.shape[1]
    x2d = x.reshape(steps * batch, inputs)
    bufs: list[Any] = [None] * 6
    lr, momentum = data["lr"], data["momentum"]
    gates = np.empty((steps, batch, 4 * hidden), np.float32)  # activated i, f, g, o
    cells = np.empty((steps + 1, batch, hidden), np.float32)  # c_{-1} = 0 first
    hs = np.empty((steps + 1, batch, hidden), np.float32)  # h_{-1} = 0 first

    def step() -> float:
        pre = (x2d @ w_ih.T).reshape(steps, batch, 4 * hidden)
        pre += b_ih + b_hh
        cells[0] = 0.0
        hs[0] = 0.0
        for t in range(steps):
            z = pre[t] + hs[t] @ w_hh.T
            act = gates[t]
            act[:, : 2 * hidden] = _sigmoid(z[:, : 2 * hidden])
            np.tanh(z[:, 2 * hidden : 3 * hidden], out=act[:, 2 * hidden : 3 * hidden])
            act[:, 3 * hidden :] = _sigmoid(z[:, 3 * hidden :])
            i, f, g, o = np.split(act, 4, axis=1)
            np.multiply(f, cells[t], out=cells[t + 1])
            cells[t + 1] += i * g
            np.multiply(o, np.tanh(cells[t + 1]), out=hs[t + 1])
        logits = hs[steps] @ w_out.T
        logits += b_out
        loss, gz = _softmax_ce(logits, y)
        gw_out = gz.T @ hs[steps]
        gb_out = gz.sum(axis=0)
        dh = gz @ w_out
        dc = np.zeros((batch, hidden), np.float32)
        dgates = np.empty_like(gates)
        gw_hh = np.zeros_like(w_hh)
        for t in range(steps - 1, -1, -1):
            i, f, g, o = np.split(gates[t], 4, axis=1)
            tc = np.tanh(cells[t + 1])
            dc += dh * o * (1.0 - tc * tc)
            di, df, dg, do = np.split(dgates[t], 4, axis=1)
            np.multiply(dc * g, i * (1.0 - i), out=di)
            np.multiply(dc * cells[t], f * (1.0 - f), out=df)
            np.multiply(dc * i, 1.0 - g * g, out=dg)
            np.multiply(dh * tc, o * (1.0 - o), out=do)
            dc *= f
            gw_hh += dgates[t].T @ hs[t]
            dh = dgates[t] @ w_hh
        flat = dgates.reshape(steps * batch, 4 * hidden)
        gw_ih = flat.T @ x2d
        gb = flat.sum(axis=0)
        _sgd(params, [gw_ih, gw_hh, gb, gb, gw_out, gb_out], bufs, lr, momentum)
        return loss

    return step


BUILDERS = {
    "toy": build_toy,
    "op": build_op,
    "chain": build_chain,
    "mlp": build_mlp,
    "cnn": build_cnn,
    "adam": build_adam,
    "lstm": build_lstm,
}
