"""2-D max and average pooling on strided window views (a reshape when windows tile).

When ``stride == kernel_size`` with no padding or dilation the windows tile the input, so
a reshape to ``(N, C, Ho, kH, Wo, kW)`` is the whole window view, and backward is a
broadcast back through the same reshape. Otherwise windows come from ``as_strided`` and
backward adds one strided slice per kernel offset (kH*kW slices, never per position).
"""

from __future__ import annotations

from typing import Any

from nettrain.ops import Op
from nettrain.ops.conv import pad2d, scatter_windows, windows

Pair = tuple[int, int]
Pads = tuple[int, int, int, int]


def _tiles(kernel: Pair, stride: Pair, pads: Pads, dilation: Pair) -> bool:
    """True when the windows are exactly a non-overlapping tiling (reshape fast path)."""
    return tuple(kernel) == tuple(stride) and not any(pads) and tuple(dilation) == (1, 1)


def _window_matrix(xp: Any, x: Any, geometry: tuple) -> Any:
    """All windows as ``(N, C, Ho, Wo, kH*kW)`` (one copy), padding with ``fill``."""
    kernel, stride, pads, dilation, out, fill = geometry
    n, c = x.shape[:2]
    if _tiles(kernel, stride, pads, dilation):
        crop = x[:, :, : out[0] * kernel[0], : out[1] * kernel[1]]
        tiles = crop.reshape(n, c, out[0], kernel[0], out[1], kernel[1])
        return tiles.transpose(0, 1, 2, 4, 3, 5).reshape(n, c, out[0], out[1], -1)
    view = windows(xp, pad2d(xp, x, pads, fill), kernel, stride, dilation, out)
    return view.transpose(0, 1, 4, 5, 2, 3).reshape(n, c, out[0], out[1], -1)


def _unwindow(xp: Any, dwin: Any, in_shape: tuple[int, ...], geometry: tuple) -> Any:
    """Adjoint of ``_window_matrix``: sum window gradients back into the input's shape."""
    kernel, stride, pads, dilation, out, _ = geometry
    n, c, h, w = in_shape
    dwin = dwin.reshape(n, c, out[0], out[1], kernel[0], kernel[1])
    if _tiles(kernel, stride, pads, dilation):
        tiles = dwin.transpose(0, 1, 2, 4, 3, 5).reshape(n, c, out[0] * kernel[0], -1)
        if tiles.shape[2:] == (h, w):
            return tiles
        dx = xp.zeros(in_shape, dtype=dwin.dtype)
        dx[:, :, : tiles.shape[2], : tiles.shape[3]] = tiles
        return dx
    cols = dwin.transpose(0, 1, 4, 5, 2, 3)
    padded = (n, c, h + pads[0] + pads[1], w + pads[2] + pads[3])
    dx = scatter_windows(xp, cols, padded, stride, dilation)
    return dx[:, :, pads[0] : pads[0] + h, pads[2] : pads[2] + w]


class MaxPool2d(Op):
    """d max-pool = g routed to the first maximum of each window (argmax, as PyTorch)."""

    supports_double_backward = False

    @staticmethod
    def forward(
        ctx: Any,
        x: Any,
        kernel: Pair,
        stride: Pair,
        pads: Pads,
        dilation: Pair,
        out: Pair,
        return_indices: bool,
    ) -> Any:
        xp = ctx.xp
        fill = -xp.inf if x.dtype.kind == "f" else xp.iinfo(x.dtype).min
        geometry = (kernel, stride, pads, dilation, out, fill)
        win = _window_matrix(xp, x, geometry)
        arg = xp.argmax(win, axis=-1)
        values = xp.take_along_axis(win, arg[..., None], axis=-1)[..., 0]
        ctx.arg, ctx.geometry, ctx.in_shape = arg, geometry, x.shape
        if not return_indices:
            return values
        indices = _flat_indices(xp, arg, x.shape, geometry)
        ctx.mark_non_differentiable(indices)
        return values, indices

    @staticmethod
    def backward(ctx: Any, grad: Any, _grad_indices: Any = None) -> Any:
        xp = ctx.xp
        k = ctx.geometry[0][0] * ctx.geometry[0][1]
        onehot = ctx.arg[..., None] == xp.arange(k)
        dwin = xp.where(onehot, grad[..., None], 0).astype(grad.dtype, copy=False)
        return _unwindow(xp, dwin, ctx.in_shape, ctx.geometry), *(None,) * 6


def _flat_indices(xp: Any, arg: Any, in_shape: tuple[int, ...], geometry: tuple) -> Any:
    """PyTorch's ``return_indices``: position of each max in the flattened H*W plane."""
    kernel, stride, pads, dilation, out, _ = geometry
    rows = xp.arange(out[0]).reshape(-1, 1) * stride[0] - pads[0]
    cols = xp.arange(out[1]).reshape(1, -1) * stride[1] - pads[2]
    h = rows + (arg // kernel[1]) * dilation[0]
    w = cols + (arg % kernel[1]) * dilation[1]
    return (h * in_shape[3] + w).astype(xp.int64)


def _avg(xp: Any, x: Any, geometry: tuple, divisor: Any) -> Any:
    """Window sums divided by ``divisor`` (a number, or one per output position)."""
    kernel, stride, pads, _, out, _ = geometry
    if _tiles(kernel, stride, pads, (1, 1)):
        total = _window_matrix(xp, x, geometry).sum(axis=-1)
    else:
        view = windows(xp, pad2d(xp, x, pads), kernel, stride, (1, 1), out)
        total = view.sum(axis=(2, 3))
    return (total / divisor).astype(x.dtype, copy=False)


def _spread(xp: Any, grad: Any, in_shape: tuple[int, ...], geometry: tuple, divisor: Any) -> Any:
    """Adjoint of ``_avg``: every window element receives ``grad / divisor``."""
    share = (grad / divisor).astype(grad.dtype, copy=False)
    k = geometry[0][0] * geometry[0][1]
    dwin = xp.broadcast_to(share[..., None], (*share.shape, k))
    return xp.ascontiguousarray(_unwindow(xp, dwin, in_shape, geometry))


class AvgPool2d(Op):
    """d avg-pool = g / divisor spread evenly over each window."""

    @staticmethod
    def forward(ctx: Any, x: Any, geometry: tuple, divisor: Any) -> Any:
        ctx.geometry, ctx.in_shape, ctx.divisor = geometry, x.shape, divisor
        return _avg(ctx.xp, x, geometry, divisor)

    @staticmethod
    def backward(ctx: Any, grad: Any) -> Any:
        if ctx._graph:
            return AvgPool2dAdjoint.apply(grad, ctx.in_shape, ctx.geometry, ctx.divisor), None, None
        return _spread(ctx.xp, grad, ctx.in_shape, ctx.geometry, ctx.divisor), None, None


class AvgPool2dAdjoint(Op):
    """AvgPool2d's (linear) backward as an op, so average pooling is twice differentiable:
    the derivative of the adjoint is average pooling again."""

    @staticmethod
    def forward(
        ctx: Any, grad: Any, in_shape: tuple[int, ...], geometry: tuple, divisor: Any
    ) -> Any:
        ctx.geometry, ctx.divisor = geometry, divisor
        return _spread(ctx.xp, grad, in_shape, geometry, divisor)

    @staticmethod
    def backward(ctx: Any, gg: Any) -> Any:
        if ctx._graph:
            return AvgPool2d.apply(gg, ctx.geometry, ctx.divisor), None, None, None
        return _avg(ctx.xp, gg, ctx.geometry, ctx.divisor), None, None, None
