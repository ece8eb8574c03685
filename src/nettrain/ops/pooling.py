"""2-D max and average pooling as a loop over the kH*kW kernel offsets.

Offset (i, j) of every window reads one strided slice of the padded input, so pooling is
kH*kW elementwise steps over output-sized arrays (maximum, or sum), never a loop over
positions or batch items. Backward writes each offset's share back through the same
slice: plain assignment when windows cannot overlap, accumulation when they can.

The common 2x2 stride-2 max-pool has its own path: a max over column pairs, then over row
pairs, and a backward that multiplies by the two winner masks.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import numpy as np

from nettrain.ops import Op
from nettrain.ops.conv import pad2d

Pair = tuple[int, int]
Pads = tuple[int, int, int, int]


def _offsets(geometry: tuple) -> Iterator[tuple[int, tuple[slice, ...]]]:
    """``(i * kW + j, index)``: the slice of the padded input that offset (i, j) reads."""
    kernel, stride, _, dilation, out, _ = geometry
    for i in range(kernel[0]):
        top = i * dilation[0]
        rows = slice(top, top + stride[0] * (out[0] - 1) + 1, stride[0])
        for j in range(kernel[1]):
            left = j * dilation[1]
            cols = slice(left, left + stride[1] * (out[1] - 1) + 1, stride[1])
            yield i * kernel[1] + j, (slice(None), slice(None), rows, cols)


def _overlapping(geometry: tuple) -> bool:
    """True when two windows can read the same input element."""
    kernel, stride, _, dilation, _, _ = geometry
    return any(s < d * (k - 1) + 1 for k, s, d in zip(kernel, stride, dilation))


def _padded_shape(in_shape: tuple[int, ...], pads: Pads) -> tuple[int, ...]:
    n, c, h, w = in_shape
    return (n, c, h + pads[0] + pads[1], w + pads[2] + pads[3])


def _scatter(
    xp: Any,
    parts: Iterator[tuple[tuple[slice, ...], Any]],
    in_shape: tuple[int, ...],
    geometry: tuple,
    dtype: Any,
) -> Any:
    """Write each offset's gradient through its slice; crop the padding off."""
    pads = geometry[2]
    dx = xp.zeros(_padded_shape(in_shape, pads), dtype=dtype)
    accumulate = _overlapping(geometry)
    for index, part in parts:
        if accumulate:
            dx[index] += part
        else:
            dx[index] = part
    if not any(pads):
        return dx
    return dx[:, :, pads[0] : pads[0] + in_shape[2], pads[2] : pads[2] + in_shape[3]]


class MaxPool2d(Op):
    """d max-pool = g routed to the first maximum of each window (as PyTorch; NaN wins)."""

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
        floating = x.dtype.kind == "f"
        fill = -xp.inf if floating else xp.iinfo(x.dtype).min
        geometry = (kernel, stride, pads, dilation, out, fill)
        ctx.in_shape, ctx.geometry, ctx.arg = x.shape, geometry, None
        pair = _pair_max(xp, x, out) if _is_pair_pool(geometry, x.shape) else None
        if pair is not None:
            best, ctx.pair = pair[0], pair[1:]
        else:
            best, ctx.arg = _offset_max(xp, x, geometry)
            ctx.pair = None
        if not return_indices:
            return best
        arg = ctx.arg if ctx.pair is None else _pair_arg(xp, *ctx.pair)
        indices = _flat_indices(xp, arg, x.shape, geometry)
        ctx.mark_non_differentiable(indices)
        return best, indices

    @staticmethod
    def backward(ctx: Any, grad: Any, _grad_indices: Any = None) -> Any:
        xp = ctx.xp
        finite = math.isfinite(float(grad.sum()))
        if ctx.pair is not None and finite:
            return (_pair_route(xp, *ctx.pair, grad, ctx.in_shape), *(None,) * 6)
        arg = ctx.arg if ctx.pair is None else _pair_arg(xp, *ctx.pair)
        if xp is np and not _overlapping(ctx.geometry) and finite:
            return (_route_disjoint(arg, grad, ctx.in_shape, ctx.geometry), *(None,) * 6)
        parts = ((index, xp.where(arg == k, grad, 0)) for k, index in _offsets(ctx.geometry))
        dx = _scatter(xp, parts, ctx.in_shape, ctx.geometry, grad.dtype)
        return (dx, *(None,) * 6)


def _offset_max(xp: Any, x: Any, geometry: tuple) -> tuple[Any, Any]:
    """Any geometry: the running maximum over the kernel offsets and its first offset."""
    padded = pad2d(xp, x, geometry[2], geometry[5])
    best = arg = None
    for k, index in _offsets(geometry):
        value = padded[index]
        if best is None:
            best = value.copy()
            arg = xp.zeros(best.shape, dtype=xp.int32)
            continue
        xp.copyto(arg, k, where=value > best)  # strict: the first maximum wins ties
        xp.maximum(best, value, out=best)  # propagates NaN, as PyTorch
    if best.dtype.kind == "f" and bool(xp.isnan(best).any()):
        arg = _last_nan(xp, padded, geometry, arg)
    return best, arg


def _is_pair_pool(geometry: tuple, in_shape: tuple[int, ...]) -> bool:
    """2x2 windows at stride 2 that tile the input (the LeNet pool), bottom/right crop allowed."""
    kernel, stride, pads, dilation, out, _ = geometry
    return (
        tuple(kernel) == (2, 2)
        and tuple(stride) == (2, 2)
        and tuple(dilation) == (1, 1)
        and not any(pads)
        and tuple(out) == (in_shape[2] // 2, in_shape[3] // 2)
    )


def _pair_max(xp: Any, x: Any, out: Pair) -> tuple[Any, Any, Any] | None:
    """2x2 max-pool in two pairwise passes (columns, then rows): 4 ufuncs instead of the
    offset loop's 3 compares, 3 masked copies and 3 maxima.

    ``col`` (N, C, 2Ho, Wo) is True where a row's right element wins, ``row`` (N, C, Ho, Wo)
    where the lower row wins; both compare strictly, so ties keep the first element in
    row-major order, as PyTorch does. None when a maximum is NaN: PyTorch then indexes the
    window's last NaN, which the general path finds.
    """
    h, w = 2 * out[0], 2 * out[1]
    left, right = x[:, :, :h, 0:w:2], x[:, :, :h, 1:w:2]
    col = xp.greater(right, left)
    pairs = xp.maximum(left, right)
    top, bottom = pairs[:, :, 0::2], pairs[:, :, 1::2]
    row = xp.greater(bottom, top)
    best = xp.maximum(top, bottom)
    if best.dtype.kind == "f" and bool(xp.isnan(best).any()):
        return None
    return best, col, row


def _pair_arg(xp: Any, col: Any, row: Any) -> Any:
    """The offset index ``i * 2 + j`` of each window's maximum, from ``_pair_max``'s masks."""
    return (2 * row + xp.where(row, col[:, :, 1::2], col[:, :, 0::2])).astype(xp.int32)


def _pair_route(xp: Any, col: Any, row: Any, grad: Any, in_shape: tuple[int, ...]) -> Any:
    """Backward of ``_pair_max`` for a finite ``grad``: the gradient goes to the winning row,
    then to the winning column, as multiplies by the masks (``inf * 0`` would make NaN,
    hence finite only)."""
    ho, wo = grad.shape[2:]
    rows = xp.empty((*grad.shape[:2], 2 * ho, wo), dtype=grad.dtype)
    xp.multiply(grad, row, out=rows[:, :, 1::2])
    xp.multiply(grad, ~row, out=rows[:, :, 0::2])
    dx = xp.zeros(in_shape, dtype=grad.dtype)
    xp.multiply(rows, ~col, out=dx[:, :, : 2 * ho, 0 : 2 * wo : 2])
    xp.multiply(rows, col, out=dx[:, :, : 2 * ho, 1 : 2 * wo : 2])
    return dx


def _route_disjoint(arg: Any, grad: Any, in_shape: tuple[int, ...], geometry: tuple) -> Any:
    """Max-pool backward when windows cannot overlap and ``grad`` is finite: each offset
    writes ``grad * (arg == k)`` straight into its slice (one ufunc, no temporaries). A
    finite ``grad`` keeps ``inf * 0`` NaNs out, so this equals routing by ``where``."""
    pads = geometry[2]
    dx = np.zeros(_padded_shape(in_shape, pads), dtype=grad.dtype)
    for k, index in _offsets(geometry):
        np.multiply(grad, arg == k, out=dx[index])
    if not any(pads):
        return dx
    return dx[:, :, pads[0] : pads[0] + in_shape[2], pads[2] : pads[2] + in_shape[3]]


def _last_nan(xp: Any, padded: Any, geometry: tuple, arg: Any) -> Any:
    """Where a window holds NaN, PyTorch's index is its last NaN (rare: a second pass)."""
    for k, index in _offsets(geometry):
        xp.copyto(arg, k, where=xp.isnan(padded[index]))
    return arg


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
    padded = pad2d(xp, x, geometry[2])
    total = None
    for _, index in _offsets(geometry):
        if total is None:
            total = padded[index].copy()
        else:
            total += padded[index]
    total /= divisor
    return total


def _spread(xp: Any, grad: Any, in_shape: tuple[int, ...], geometry: tuple, divisor: Any) -> Any:
    """Adjoint of ``_avg``: every window element receives ``grad / divisor``."""
    share = (grad / divisor).astype(grad.dtype, copy=False)
    parts = ((index, share) for _, index in _offsets(geometry))
    return xp.ascontiguousarray(_scatter(xp, parts, in_shape, geometry, grad.dtype))


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
