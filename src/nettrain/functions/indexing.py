"""Indexing by tensors (``nt.gather``, ``nt.index_select``, ``nt.take_along_dim``,
``nt.masked_select``, ``nt.narrow``, ``nt.nonzero``): each builds an index and reads
it through ``Tensor.__getitem__``, whose op carries the gradient.
"""

from __future__ import annotations

import builtins
from typing import Any

import numpy as np

from nettrain.backend import get_array_module
from nettrain.functions._common import _check_index, _dim, _plain
from nettrain.ops.scatter import open_grids
from nettrain.tensor import Tensor


def gather(input: Tensor, dim: int, index: Tensor) -> Tensor:  # noqa: A002
    """``out[i][j] = input[index[i][j]][j]`` (for dim 0), differentiable in ``input``."""
    xp = get_array_module(input._data)
    idx = _plain(index)
    grids = open_grids(xp, idx.shape)  # cupy's indices() has no sparse=True
    grids[dim % input.ndim] = idx
    return input[tuple(grids)]


def index_select(input: Tensor, dim: int, index: Tensor) -> Tensor:  # noqa: A002
    """The entries of ``input`` at the 1-D ``index`` along ``dim`` (differentiable)."""
    idx = _check_index("index_select", index)
    if idx.ndim > 1:
        raise IndexError(f"index_select(): Index is supposed to be a vector, got {idx.ndim}-D")
    axis = _dim(dim, input.ndim)
    return input[(slice(None),) * axis + (idx.reshape(-1),)]


def take_along_dim(input: Tensor, indices: Tensor, dim: int | None = None) -> Tensor:  # noqa: A002
    """``numpy.take_along_axis``: gather with ``indices`` broadcast against ``input``.

    With ``dim=None`` both are flattened first.
    """
    _check_index("take_along_dim", indices)
    if dim is None:
        return take_along_dim(input.reshape(-1), indices.reshape(-1), 0)
    axis = _dim(dim, input.ndim)
    if indices.ndim != input.ndim:
        raise RuntimeError(
            f"take_along_dim(): input and indices should have the same number of dimensions, "
            f"but got {input.ndim} dimensions for input, and {indices.ndim} for indices"
        )
    # broadcast every dimension but ``dim``, where each keeps its own size
    without = [
        tuple(1 if d == axis else n for d, n in enumerate(t.shape)) for t in (input, indices)
    ]
    shape = list(np.broadcast_shapes(*without))
    source_shape = [*shape]
    source_shape[axis] = input.shape[axis]
    index_shape = [*shape]
    index_shape[axis] = indices.shape[axis]
    source = input if list(input.shape) == source_shape else input.expand(*source_shape)
    index = indices if list(indices.shape) == index_shape else indices.expand(*index_shape)
    return gather(source, axis, index)


def masked_select(input: Tensor, mask: Tensor) -> Tensor:  # noqa: A002
    """A 1-D tensor of the entries where ``mask`` (broadcast with ``input``) holds."""
    shape = np.broadcast_shapes(input.shape, mask.shape)
    xp = get_array_module(mask._data)
    full_mask = xp.broadcast_to(mask._data.astype(bool, copy=False), shape)
    source = input if input.shape == shape else input.expand(*shape)
    return source[full_mask]


def narrow(input: Tensor, dim: int, start: Any, length: int) -> Tensor:  # noqa: A002
    """The view ``input[..., start:start + length, ...]`` along ``dim``."""
    axis = _dim(dim, input.ndim)
    size = input.shape[axis]
    begin = builtins.int(start)
    begin = begin + size if begin < 0 else begin
    if not 0 <= begin <= size or length < 0 or begin + length > size:
        raise RuntimeError(
            f"narrow(): start ({start}) + length ({length}) exceeds dimension size ({size})"
        )
    return input[(slice(None),) * axis + (slice(begin, begin + length),)]


def nonzero(input: Tensor, *, as_tuple: bool = False) -> Any:  # noqa: A002
    """Indices of the nonzero entries: an (N, ndim) int64 tensor, or one tensor per dim."""
    data = input._data
    xp = get_array_module(data)
    parts = xp.nonzero(data if data.ndim else data.reshape(1))
    if as_tuple:
        return tuple(Tensor._make(p.astype(np.int64)) for p in parts)
    if data.ndim == 0:
        return Tensor._make(xp.zeros((len(parts[0]), 0), dtype=np.int64))
    return Tensor._make(xp.stack(parts, axis=1).astype(np.int64))


def argwhere(input: Tensor) -> Tensor:  # noqa: A002
    """Indices of the nonzero entries as an (N, ndim) int64 tensor."""
    return nonzero(input)
