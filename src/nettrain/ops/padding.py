"""Constant padding of the trailing dimensions, and its adjoint (the same op, negated).

Padding by ``(before, after)`` per axis writes the input into a ``value``-filled array;
negative amounts crop instead. The adjoint of zero padding by ``p`` is padding by ``-p``
(crop what was added, zero-fill what was cropped), so the backward is this op again and
padding is differentiable to any order.
"""

from __future__ import annotations

from typing import Any

from nettrain.ops import Op

Pads = tuple[tuple[int, int], ...]  # (before, after) for each trailing axis, first to last


def padded_shape(shape: tuple[int, ...], pads: Pads) -> tuple[int, ...]:
    """``shape`` after padding its last ``len(pads)`` axes."""
    lead = len(shape) - len(pads)
    return (*shape[:lead], *(n + b + a for n, (b, a) in zip(shape[lead:], pads)))


def _slices(shape: tuple[int, ...], pads: Pads) -> tuple[tuple[slice, ...], tuple[slice, ...]]:
    """(source, target): the part of the input kept, and where it lands in the output."""
    source, target = [], []
    for n, (before, after) in zip(shape[len(shape) - len(pads) :], pads):
        start, stop = max(-before, 0), n - max(-after, 0)
        length = max(stop - start, 0)
        source.append(slice(start, start + length))
        target.append(slice(max(before, 0), max(before, 0) + length))
    return (Ellipsis, *source), (Ellipsis, *target)


def constant_pad(xp: Any, x: Any, pads: Pads, value: Any = 0) -> Any:
    """``x`` padded (or cropped, where negative) with ``value`` on its trailing axes."""
    out = xp.full(padded_shape(x.shape, pads), value, dtype=x.dtype)
    source, target = _slices(x.shape, pads)
    out[target] = x[source]
    return out


class ConstantPad(Op):
    """d pad(x, p, c) = pad(g, -p, 0): crop the added border, zero-fill the cropped part."""

    @staticmethod
    def forward(ctx: Any, x: Any, pads: Pads, value: Any) -> Any:
        ctx.pads = pads
        return constant_pad(ctx.xp, x, pads, value)

    @staticmethod
    def backward(ctx: Any, grad: Any) -> Any:
        inverse = tuple((-b, -a) for b, a in ctx.pads)
        if ctx._graph:
            return ConstantPad.apply(grad, inverse, 0), None, None
        return constant_pad(ctx.xp, grad, inverse, 0), None, None
