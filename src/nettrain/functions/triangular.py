"""Triangles and diagonals (``nt.tril``, ``nt.triu``, ``nt.diagonal``, ``nt.diag``)."""

from __future__ import annotations

import builtins
from typing import Any

from nettrain.backend import get_array_module
from nettrain.functions._common import _dim
from nettrain.ops.indexing import IndexPut
from nettrain.ops.shape import Where
from nettrain.tensor import Tensor


def _triangle(fn: str, input: Tensor, diagonal: int, lower: bool) -> Tensor:  # noqa: A002
    if input.ndim < 2:
        raise RuntimeError(f"{fn}: input tensor must have at least 2 dimensions, got {input.ndim}")
    data = input._data
    xp = get_array_module(data)
    rows, cols = data.shape[-2:]
    below = xp.tri(rows, cols, diagonal if lower else diagonal - 1, dtype=bool)
    keep = below if lower else ~below
    return Where.apply(keep, input, xp.zeros((), dtype=data.dtype))


def tril(input: Tensor, diagonal: int = 0) -> Tensor:  # noqa: A002
    """The lower triangle of the last two dimensions (on and below ``diagonal``); rest 0."""
    return _triangle("tril", input, diagonal, lower=True)


def triu(input: Tensor, diagonal: int = 0) -> Tensor:  # noqa: A002
    """The upper triangle of the last two dimensions (on and above ``diagonal``); rest 0."""
    return _triangle("triu", input, diagonal, lower=False)


def _diagonal_positions(xp: Any, rows: int, cols: int, offset: int) -> tuple[Any, Any]:
    """Row and column indices of the ``offset`` diagonal of a rows x cols matrix."""
    if offset >= 0:
        length = builtins.min(rows, cols - offset)
    else:
        length = builtins.min(rows + offset, cols)
    start = xp.arange(builtins.max(length, 0))
    if offset >= 0:
        return start, start + offset
    return start - offset, start


def diagonal(input: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:  # noqa: A002
    """The diagonal over ``dim1`` and ``dim2``, as a new last dimension (a copy here)."""
    return _diagonal(input, offset, dim1, dim2)


def _diagonal(input: Tensor, offset: int, dim1: int, dim2: int) -> Tensor:  # noqa: A002
    a, b = _dim(dim1, input.ndim), _dim(dim2, input.ndim)
    if a == b:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    rest = [d for d in range(input.ndim) if d not in (a, b)]
    moved = input.permute(*rest, a, b)
    rows, cols = moved.shape[-2:]
    r, c = _diagonal_positions(get_array_module(input._data), rows, cols, offset)
    return moved[..., r, c]


def diag(input: Tensor, diagonal: int = 0) -> Tensor:  # noqa: A002
    """A 1-D tensor as the ``diagonal`` of a square matrix, or a matrix's diagonal."""
    if input.ndim == 2:
        return _diagonal(input, diagonal, 0, 1)
    if input.ndim != 1:
        raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {input.ndim}D")
    xp = get_array_module(input._data)
    n = input.shape[0] + builtins.abs(diagonal)
    r, c = _diagonal_positions(xp, n, n, diagonal)
    zeros = Tensor._make(xp.zeros((n, n), dtype=input._data.dtype))
    return IndexPut.apply(zeros, input, (r, c))
