"""Sorting and selection (``nt.sort``, ``nt.argsort``, ``nt.topk``).

Indices come from a stable argsort; values are gathered, so they are differentiable.
"""

from __future__ import annotations

from collections import namedtuple
from typing import Any

import numpy as np

from nettrain.backend import get_array_module
from nettrain.functions._common import _dim
from nettrain.functions.indexing import gather
from nettrain.tensor import Tensor

return_types_sort = namedtuple("sort", ["values", "indices"])
return_types_topk = namedtuple("topk", ["values", "indices"])


def _sort_indices(data: Any, axis: int, descending: bool) -> Any:
    """Stable argsort; descending keeps equal values in their original order, NaN first."""
    xp = get_array_module(data)
    if not descending:
        return xp.argsort(data, axis=axis, kind="stable").astype(np.int64, copy=False)
    # sorting the reversed values ascending and reversing the result puts ties back in
    # their original order (a plain descending sort would reverse them)
    n = data.shape[axis]
    order = xp.argsort(xp.flip(data, axis=axis), axis=axis, kind="stable")
    return (n - 1 - xp.flip(order, axis=axis)).astype(np.int64, copy=False)


def sort(
    input: Tensor,  # noqa: A002
    dim: int = -1,
    descending: bool = False,
    stable: bool = False,
) -> Any:
    """Sorted values and their indices along ``dim``, as ``torch.sort``.

    The sort is always stable (ties keep their order), which ``stable=True`` asks for and
    ``stable=False`` allows. Values are differentiable; the gradient goes back to the
    positions the values came from.

    Example:
        >>> nt.sort(nt.tensor([3.0, 1.0, 2.0])).indices
        tensor([1, 2, 0])
    """
    if input.ndim == 0:
        return return_types_sort(input.clone(), Tensor._make(np.zeros((), np.int64)))
    axis = _dim(dim, input.ndim)
    indices = Tensor._make(_sort_indices(input._data, axis, descending))
    return return_types_sort(gather(input, axis, indices), indices)


def argsort(
    input: Tensor,  # noqa: A002
    dim: int = -1,
    descending: bool = False,
    stable: bool = False,
) -> Tensor:
    """The indices that sort ``input`` along ``dim`` (stable, as ``sort``)."""
    if input.ndim == 0:
        return Tensor._make(get_array_module(input._data).zeros((), np.int64))
    return Tensor._make(_sort_indices(input._data, _dim(dim, input.ndim), descending))


def topk(
    input: Tensor,  # noqa: A002
    k: int,
    dim: int = -1,
    largest: bool = True,
    sorted: bool = True,  # noqa: A002
) -> Any:
    """The ``k`` largest (or smallest) values along ``dim`` and their indices.

    Results come sorted whatever ``sorted`` says (PyTorch leaves the order unspecified
    for ``sorted=False``); among equal values the earlier index comes first.
    """
    axis = _dim(dim, input.ndim)
    size = input.shape[axis] if input.ndim else 1
    if not 0 <= k <= size:
        raise RuntimeError(f"selected index k out of range: k={k}, but dim {dim} has size {size}")
    if input.ndim == 0:
        return return_types_topk(input.clone(), Tensor._make(np.zeros((), np.int64)))
    order = _sort_indices(input._data, axis, largest)
    lead = (slice(None),) * axis
    indices = Tensor._make(order[(*lead, slice(0, k))])
    return return_types_topk(gather(input, axis, indices), indices)
