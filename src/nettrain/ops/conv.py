"""Convolutions as strided window views plus one batched matrix product.

Layout: the window view of the padded input has shape ``(N, C, kH, kW, Ho, Wo)``; reshaped
to ``(N, groups, C/groups*kH*kW, Ho*Wo)`` it is the im2col matrix (one copy), and
``weight (groups, O/groups, K) @ cols`` gives the output already in ``(N, O, Ho, Wo)`` order.
The input gradient is the reverse (col2im): a loop over the kH*kW kernel offsets, each adding
one shifted block (stride 1) or one strided slice - never a loop over output positions or
batch items.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nettrain.ops import Op

Pads = tuple[int, int, int, int]  # top, bottom, left, right
Pair = tuple[int, int]


def pad2d(xp: Any, x: Any, pads: Pads, value: float = 0.0) -> Any:
    """``x`` (N, C, H, W) with ``pads`` rows/columns of ``value`` around it (no copy if 0)."""
    top, bottom, left, right = pads
    if not (top or bottom or left or right):
        return x
    n, c, h, w = x.shape
    out = xp.full((n, c, h + top + bottom, w + left + right), value, dtype=x.dtype)
    out[:, :, top : top + h, left : left + w] = x
    return out


def windows(xp: Any, x: Any, kernel: Pair, stride: Pair, dilation: Pair, out: Pair) -> Any:
    """A read-only view ``(N, C, kH, kW, Ho, Wo)`` of every kernel window of ``x``."""
    n, c = x.shape[:2]
    s0, s1, s2, s3 = x.strides
    shape = (n, c, kernel[0], kernel[1], out[0], out[1])
    strides = (s0, s1, s2 * dilation[0], s3 * dilation[1], s2 * stride[0], s3 * stride[1])
    if xp is np:
        return np.lib.stride_tricks.as_strided(x, shape, strides, writeable=False)
    return xp.lib.stride_tricks.as_strided(x, shape, strides)  # cupy: no writeable flag


def scatter_windows(
    xp: Any, cols: Any, shape: tuple[int, ...], stride: Pair, dilation: Pair
) -> Any:
    """col2im: sum ``cols`` (N, C, kH, kW, Ho, Wo) back into a zero array of ``shape``."""
    out = xp.zeros(shape, dtype=cols.dtype)
    _, _, kh, kw, ho, wo = cols.shape
    sh, sw = stride
    for i in range(kh):
        top = i * dilation[0]
        rows = slice(top, top + sh * (ho - 1) + 1, sh)
        for j in range(kw):
            left = j * dilation[1]
            out[:, :, rows, left : left + sw * (wo - 1) + 1 : sw] += cols[:, :, i, j]
    return out


def out_size(size: int, before: int, after: int, k: int, s: int, d: int) -> int:
    """Output length of a convolution/pooling along one axis (floor mode)."""
    return (size + before + after - d * (k - 1) - 1) // s + 1


def _im2col(
    xp: Any, x: Any, kernel: Pair, stride: Pair, pads: Pads, dilation: Pair, groups: int
) -> tuple[Any, Pair]:
    """The im2col matrix ``(N, groups, C/groups*kH*kW, Ho*Wo)`` and the output size."""
    padded = pad2d(xp, x, pads)
    ho = out_size(x.shape[2], pads[0], pads[1], kernel[0], stride[0], dilation[0])
    wo = out_size(x.shape[3], pads[2], pads[3], kernel[1], stride[1], dilation[1])
    view = windows(xp, padded, kernel, stride, dilation, (ho, wo))
    n = x.shape[0]
    return view.reshape(n, groups, -1, ho * wo), (ho, wo)


def _col2im(
    xp: Any,
    dcols: Any,
    in_shape: tuple[int, ...],
    kernel: Pair,
    stride: Pair,
    pads: Pads,
    dilation: Pair,
    out: Pair,
) -> Any:
    """Gradient w.r.t. the (unpadded) input from the gradient of the im2col matrix."""
    n, c, h, w = in_shape
    padded_shape = (n, c, h + pads[0] + pads[1], w + pads[2] + pads[3])
    cols = dcols.reshape(n, c, kernel[0], kernel[1], out[0], out[1])
    dx = scatter_windows(xp, cols, padded_shape, stride, dilation)
    return dx[:, :, pads[0] : pads[0] + h, pads[2] : pads[2] + w]


def _input_grad(
    xp: Any,
    wmat: Any,
    grad: Any,
    in_shape: tuple[int, ...],
    kernel: Pair,
    stride: Pair,
    pads: Pads,
    dilation: Pair,
) -> Any:
    """d(input) from d(output) ``(N, O, Ho, Wo)``: col2im(W^T g).

    With stride 1 see ``_shifted_input_grad``; other strides scatter the im2col gradient
    back slice by slice.
    """
    if tuple(stride) == (1, 1):
        return _shifted_input_grad(xp, wmat, grad, in_shape, kernel, pads, dilation)
    n = in_shape[0]
    groups = wmat.shape[0]
    ho, wo = grad.shape[2:]
    g = grad.reshape(n, groups, -1, ho * wo)
    dcols = xp.matmul(xp.swapaxes(wmat, 1, 2), g)
    return _col2im(xp, dcols, in_shape, kernel, stride, pads, dilation, (ho, wo))


def _shifted_input_grad(
    xp: Any,
    wmat: Any,
    grad: Any,
    in_shape: tuple[int, ...],
    kernel: Pair,
    pads: Pads,
    dilation: Pair,
) -> Any:
    """Stride-1 col2im as kH*kW whole-array shifted adds.

    ``grad`` is laid out channel-major, ``(O, N, Hp, Wp)``, on the padded input's grid (zero
    rows and columns past the output). Then kernel offset (i, j) of every window of every
    image is one flat shift by ``i*dH*Wp + j*dW``, and no shift carries a nonzero value into
    the next image (the last contribution lands on row Hp-1 of its own image). One GEMM with
    the weight rows ordered (i, j, c) yields each offset's contribution as one contiguous
    block, and offset (0, 0)'s block accumulates the others in place.
    """
    n, c, h, w = in_shape
    groups, o_group, _ = wmat.shape
    kh, kw = kernel
    ho, wo = grad.shape[2:]
    hp, wp = h + pads[0] + pads[1], w + pads[2] + pads[3]
    span = n * hp * wp
    wide = xp.zeros((grad.shape[1], n, hp, wp), dtype=grad.dtype)
    wide[:, :, :ho, :wo] = xp.swapaxes(grad, 0, 1)
    c_group = c // groups
    by_offset = wmat.reshape(groups, o_group, c_group, kh * kw).transpose(0, 3, 2, 1)
    by_offset = by_offset.reshape(groups, kh * kw * c_group, o_group)
    parts = xp.matmul(by_offset, wide.reshape(groups, o_group, span))
    parts = parts.reshape(groups, kh, kw, c_group, span)
    total = parts[:, 0, 0]
    for i in range(kh):
        for j in range(kw):
            shift = i * dilation[0] * wp + j * dilation[1]
            if shift:
                total[..., shift:] += parts[:, i, j, :, : span - shift]
    dx = total.reshape(c, n, hp, wp)[:, :, pads[0] : pads[0] + h, pads[2] : pads[2] + w]
    return xp.ascontiguousarray(xp.swapaxes(dx, 0, 1))


def _weight_matrix(w: Any, groups: int) -> Any:
    """Weight ``(O, C/g, kH, kW)`` as ``(g, O/g, C/g*kH*kW)``."""
    return w.reshape(groups, w.shape[0] // groups, -1)


class Conv2d(Op):
    """y = W * x + b; dx = col2im(W^T g), dW = sum_n g cols^T, db = sum g."""

    supports_double_backward = False

    @staticmethod
    def forward(
        ctx: Any,
        x: Any,
        weight: Any,
        bias: Any,
        stride: Pair,
        pads: Pads,
        dilation: Pair,
        groups: int,
    ) -> Any:
        xp = ctx.xp
        kernel = weight.shape[2:]
        cols, (ho, wo) = _im2col(xp, x, kernel, stride, pads, dilation, groups)
        wmat = _weight_matrix(weight, groups)
        out = xp.matmul(wmat, cols).reshape(x.shape[0], weight.shape[0], ho, wo)
        if bias is not None:
            out += bias.reshape(1, -1, 1, 1)
        ctx.cols = cols if ctx.needs_input_grad[1] else None
        ctx.wmat = wmat
        ctx.geometry = (x.shape, kernel, stride, pads, dilation, groups, (ho, wo))
        return out

    @staticmethod
    def backward(ctx: Any, grad: Any) -> Any:
        xp = ctx.xp
        in_shape, kernel, stride, pads, dilation, groups, out = ctx.geometry
        need_x, need_w, need_b = ctx.needs_input_grad[:3]
        g = grad.reshape(grad.shape[0], groups, -1, out[0] * out[1])
        dx = dw = db = None
        if need_x:
            dx = _input_grad(xp, ctx.wmat, grad, in_shape, kernel, stride, pads, dilation)
        if need_w:
            dw = xp.matmul(g, xp.swapaxes(ctx.cols, 2, 3)).sum(axis=0)
            dw = dw.reshape(-1, in_shape[1] // groups, *kernel)
        if need_b:
            db = grad.sum(axis=(0, 2, 3))
        return dx, dw, db, None, None, None, None


class ConvTranspose2d(Op):
    """The adjoint of Conv2d in x: y = col2im(W^T x) + b; dx = conv2d(g, W)."""

    supports_double_backward = False

    @staticmethod
    def forward(
        ctx: Any,
        x: Any,
        weight: Any,
        bias: Any,
        stride: Pair,
        pads: Pads,
        dilation: Pair,
        groups: int,
        out_hw: Pair,
    ) -> Any:
        xp = ctx.xp
        n, _, h, w = x.shape
        kernel = weight.shape[2:]
        c_out = weight.shape[1] * groups
        wmat = _weight_matrix(weight, groups)  # (g, Cin/g, Cout/g*kH*kW)
        xg = x.reshape(n, groups, -1, h * w)
        out_shape = (n, c_out, *out_hw)
        out = _input_grad(xp, wmat, x, out_shape, kernel, stride, pads, dilation)
        out = xp.ascontiguousarray(out)
        if bias is not None:
            out += bias.reshape(1, -1, 1, 1)
        ctx.save_x = xg if ctx.needs_input_grad[1] else None
        ctx.wmat = wmat
        ctx.geometry = (x.shape, kernel, stride, pads, dilation, groups)
        return out

    @staticmethod
    def backward(ctx: Any, grad: Any) -> Any:
        xp = ctx.xp
        in_shape, kernel, stride, pads, dilation, groups = ctx.geometry
        need_x, need_w, need_b = ctx.needs_input_grad[:3]
        n, _, h, w = in_shape
        cols, (ho, wo) = _im2col(xp, grad, kernel, stride, pads, dilation, groups)
        if (ho, wo) != (h, w):  # output_padding rows only ever receive zeros from x
            cols = cols.reshape(n, groups, -1, ho, wo)[..., :h, :w].reshape(n, groups, -1, h * w)
        dx = dw = db = None
        if need_x:
            dx = xp.matmul(ctx.wmat, cols).reshape(in_shape)
        if need_w:
            dw = xp.matmul(ctx.save_x, xp.swapaxes(cols, 2, 3)).sum(axis=0)
            dw = dw.reshape(in_shape[1], -1, *kernel)
        if need_b:
            db = grad.sum(axis=(0, 2, 3))
        return dx, dw, db, None, None, None, None, None
