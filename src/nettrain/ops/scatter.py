"""``scatter_reduce``: combine ``src`` into ``input`` at index positions with a reduction.

``scatter`` and ``scatter_add`` are built from the indexing ops (``IndexPut``,
``ScatterAdd``), which already have differentiable backwards; only the reductions that
need per-position bookkeeping (prod, mean, amax, amin) live here.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nettrain.ops import Op

REDUCTIONS = ("sum", "prod", "mean", "amax", "amin")


def open_grids(xp: Any, shape: tuple[int, ...]) -> list[Any]:
    """``numpy.indices(shape, sparse=True)`` built from ``arange`` (cupy lacks ``sparse``)."""
    ndim = len(shape)
    return [
        xp.arange(size).reshape((1,) * axis + (size,) + (1,) * (ndim - axis - 1))
        for axis, size in enumerate(shape)
    ]


def ufunc_at(xp: Any, name: str, out: Any, index: tuple[Any, ...], values: Any) -> None:
    """``xp.<name>.at(out, index, values)``; on the host where the GPU library lacks it.

    cupy implements ``ufunc.at`` for some ufuncs only (add among them); for the others the
    arrays make one round trip to numpy, which keeps the result exact.
    """
    try:
        getattr(xp, name).at(out, index, values)
        return
    except (AttributeError, NotImplementedError, TypeError):
        if xp is np:
            raise
    from nettrain.backend import device_of, to_device, to_numpy

    host = to_numpy(out)
    host_index = tuple(to_numpy(i) if hasattr(i, "shape") else i for i in index)
    values_host = to_numpy(values) if hasattr(values, "shape") else values
    getattr(np, name).at(host, host_index, values_host)
    out[...] = to_device(host, device_of(out))


def _identity(reduce: str, dtype: Any) -> Any:
    """The value a position starts from when ``include_self=False``."""
    if reduce in ("sum", "mean"):
        return 0
    if reduce == "prod":
        return 1
    if np.dtype(dtype).kind == "f":
        return -np.inf if reduce == "amax" else np.inf
    info = np.iinfo(dtype)
    return info.min if reduce == "amax" else info.max


_UFUNCS = {"sum": "add", "mean": "add", "prod": "multiply", "amax": "maximum", "amin": "minimum"}


class ScatterReduce(Op):
    """Gradients: sum passes g; mean g / count; amax/amin share g among the winners;
    prod g * (product of the others), exact when some values are zero."""

    supports_double_backward = False  # the bookkeeping uses array-only scatter steps

    @staticmethod
    def forward(
        ctx: Any, x: Any, src: Any, index: tuple[Any, ...], reduce: str, include_self: bool
    ) -> Any:
        xp = ctx.xp
        out = x.copy()
        hit = xp.zeros(x.shape, dtype=bool)
        hit[index] = True
        if not include_self:
            out[hit] = _identity(reduce, x.dtype)
        ufunc_at(xp, _UFUNCS[reduce], out, index, src)
        count = None
        if reduce == "mean":
            count = xp.zeros(x.shape, dtype=x.dtype)
            ufunc_at(xp, "add", count, index, 1)
            count += 1 if include_self else 0
            count = xp.where(count == 0, 1, count).astype(x.dtype)
            out = out / count if x.dtype.kind == "f" else xp.floor_divide(out, count)
        ctx.index, ctx.reduce, ctx.include_self = index, reduce, include_self
        ctx.hit, ctx.count = hit, count
        ctx.save_for_backward(x, src, out)
        return out.astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx: Any, grad: Any) -> Any:
        x, src, out = ctx.saved_tensors
        xp, index, reduce = ctx.xp, ctx.index, ctx.reduce
        # where include_self is False, the old values at scattered positions are dropped
        self_used = xp.ones(x.shape, dtype=bool) if ctx.include_self else ~ctx.hit
        if reduce == "sum":
            grad_x, grad_src = grad * self_used, grad[index]
        elif reduce == "mean":
            scaled = grad / ctx.count
            grad_x, grad_src = scaled * self_used, scaled[index]
        elif reduce in ("amax", "amin"):
            grad_x, grad_src = _extremum_grads(xp, x, src, out, grad, index, self_used)
        else:
            grad_x, grad_src = _prod_grads(xp, x, src, grad, index, self_used)
        return grad_x, grad_src, None, None, None


def _extremum_grads(
    xp: Any, x: Any, src: Any, out: Any, grad: Any, index: Any, self_used: Any
) -> tuple[Any, Any]:
    """amax/amin: the gradient is shared evenly among all values equal to the result."""
    self_wins = (x == out) & self_used
    src_wins = src == out[index]
    winners = self_wins.astype(grad.dtype)
    ufunc_at(xp, "add", winners, index, src_wins.astype(grad.dtype))
    share = grad / xp.where(winners == 0, 1, winners)
    return share * self_wins, share[index] * src_wins


def _prod_grads(
    xp: Any, x: Any, src: Any, grad: Any, index: Any, self_used: Any
) -> tuple[Any, Any]:
    """prod: g times the product of the other factors, counting zeros separately."""
    one = xp.ones((), dtype=x.dtype)
    own = xp.where(self_used, x, one)
    nonzero = xp.where(own == 0, one, own)
    zeros = (own == 0).astype(np.int64)
    ufunc_at(xp, "multiply", nonzero, index, xp.where(src == 0, one, src))
    ufunc_at(xp, "add", zeros, index, (src == 0).astype(np.int64))

    def others(value: Any, gathered: Any, zero_count: Any) -> Any:
        # product of the other factors: nonzero / value if value != 0 (and no zeros), the
        # nonzero product if value is the only zero, else 0
        safe = xp.where(value == 0, one, value)
        return xp.where(
            value == 0,
            xp.where(zero_count == 1, gathered, 0),
            xp.where(zero_count == 0, gathered / safe, 0),
        )

    grad_x = grad * others(own, nonzero, zeros) * self_used
    grad_src = grad[index] * others(src, nonzero[index], zeros[index])
    return grad_x, grad_src
