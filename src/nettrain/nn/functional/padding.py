"""``pad``: constant, reflect, replicate and circular padding (PyTorch's ``F.pad``).

Constant padding is one op (``ops.padding.ConstantPad``). The other modes only re-read
input elements, so they are one gather: each padded axis gets an index array (reflected,
clamped or wrapped positions) and the input is indexed with their open grid; autograd's
indexing backward sums the gradient of repeated positions.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from nettrain.backend import device_of, to_device
from nettrain.errors import ShapeError
from nettrain.ops import padding as pad_ops
from nettrain.ops.indexing import GetItem
from nettrain.tensor import Tensor

__all__ = ["pad"]

_MODES = ("constant", "reflect", "replicate", "circular")


def _pairs(pad: Sequence[int], ndim: int) -> pad_ops.Pads:
    """PyTorch's pad tuple (last axis first) as (before, after) pairs, first axis first."""
    values = [int(p) for p in pad]
    if len(values) % 2:
        raise RuntimeError(f"Padding length must be divisible by 2, got pad={tuple(values)}")
    if len(values) > 2 * ndim:
        raise RuntimeError(
            "Padding length should be less than or equal to two times the input dimension "
            f"but got padding length {len(values)} and input of dimension {ndim}"
        )
    pairs = [(values[i], values[i + 1]) for i in range(0, len(values), 2)]
    return tuple(reversed(pairs))


def _source_index(mode: str, size: int, before: int, after: int, axis: int) -> np.ndarray:
    """Which input position each output position reads along one axis."""
    position = np.arange(-before, size + after)
    if mode == "replicate":
        return np.clip(position, 0, size - 1)
    if mode == "circular":  # as PyTorch: crop the negative sides first, then wrap
        start, kept = max(-before, 0), size - max(-before, 0) - max(-after, 0)
        if max(before, after) > kept:
            raise RuntimeError(
                "Padding value causes wrapping around more than once: circular padding "
                f"({before}, {after}) on dimension {axis} of size {size} must be at most {kept}"
            )
        return start + np.arange(-max(before, 0), kept + max(after, 0)) % kept
    if max(before, after) >= size:
        raise RuntimeError(
            "Padding size should be less than the corresponding input dimension, but got: "
            f"padding ({before}, {after}) at dimension {axis} of size {size} (mode 'reflect')"
        )
    period = 2 * (size - 1)
    folded = np.abs(position) % period if period else np.zeros_like(position)
    return np.where(folded < size, folded, period - folded)


def _gather_pad(input: Tensor, pairs: pad_ops.Pads, mode: str) -> Tensor:  # noqa: A002
    lead = input.dim() - len(pairs)
    sizes = tuple(input.shape)[lead:]
    axes = [
        _source_index(mode, n, b, a, lead + k) for k, (n, (b, a)) in enumerate(zip(sizes, pairs))
    ]
    device = device_of(input._data)
    grids = np.ix_(*axes)
    index = (Ellipsis, *(to_device(g, device) for g in grids))
    return GetItem.apply(input, index)


def pad(
    input: Tensor,  # noqa: A002
    pad: Sequence[int],
    mode: str = "constant",
    value: float | None = None,
) -> Tensor:
    """Pad (or, with negative amounts, crop) the trailing dimensions of ``input``.

    ``pad`` lists ``(left, right)`` for the last dimension, then ``(top, bottom)`` for the
    one before it, and so on. ``reflect``, ``replicate`` and ``circular`` pad the last
    1, 2 or 3 dimensions of a batched or unbatched input.

    Example:
        >>> F.pad(nettrain.ones(2, 3), (1, 0), value=5.0)
        tensor([[5., 1., 1., 1.],
                [5., 1., 1., 1.]])
    """
    if mode not in _MODES:
        raise NotImplementedError(
            f"Unrecognised padding mode {mode!r}: expected one of {', '.join(_MODES)}"
        )
    pairs = _pairs(pad, input.dim())
    if mode == "constant":
        out_shape = pad_ops.padded_shape(tuple(input.shape), pairs)
        if min(out_shape, default=1) < 0:
            raise ShapeError(
                f"pad: padding {tuple(pad)} crops more than input of shape "
                f"{tuple(input.shape)} holds (output shape would be {out_shape})"
            )
        return pad_ops.ConstantPad.apply(input, pairs, 0 if value is None else value)
    if value is not None and value != 0:
        raise RuntimeError(f'Padding mode "{mode}" doesn\'t take in value argument')
    count = len(pairs)
    if count not in (1, 2, 3) or input.dim() not in (count + 1, count + 2):
        raise NotImplementedError(
            f"Padding size {2 * count} is not supported for {input.dim()}D input tensor: "
            f"{mode!r} padding pads the last 1, 2 or 3 dimensions of a 2D/3D, 3D/4D or 4D/5D "
            "input (pad of length 2, 4 or 6)"
        )
    return _gather_pad(input, pairs, mode)
