"""The scatter family (``nt.scatter``, ``nt.scatter_add``, ``nt.scatter_reduce``) over
``ops.indexing`` and ``ops.scatter``.
"""

from __future__ import annotations

import builtins
from typing import Any

from nettrain.backend import get_array_module
from nettrain.functions._common import _check_index, _dim
from nettrain.ops import scatter as scatter_ops
from nettrain.ops.indexing import IndexPut, ScatterAdd
from nettrain.ops.scatter import open_grids
from nettrain.tensor import Tensor


def _scatter_grids(
    fn: str,
    input: Tensor,
    dim: int,
    index: Tensor,
    src: Tensor | None,  # noqa: A002
) -> tuple[int, tuple[Any, ...], Tensor | None]:
    """Check a scatter's arguments; return the axis, the index grids and the used src."""
    idx = _check_index(fn, index)
    axis = _dim(dim, input.ndim)
    if idx.ndim != input.ndim:
        raise RuntimeError(
            f"{fn}(): Index tensor must have the same number of dimensions as self tensor "
            f"(index has {idx.ndim}, self has {input.ndim})"
        )
    if src is not None:
        if src.ndim != idx.ndim:
            raise RuntimeError(
                f"{fn}(): Index tensor must have the same number of dimensions as src tensor "
                f"(index has {idx.ndim}, src has {src.ndim})"
            )
        if src.dtype != input.dtype:
            raise RuntimeError(
                f"{fn}(): Expected self.dtype to be equal to src.dtype, got {input.dtype} and "
                f"{src.dtype}; cast src with .to(input.dtype)"
            )
    for d, size in enumerate(idx.shape):
        too_big = (d != axis and size > input.shape[d]) or (src is not None and size > src.shape[d])
        if too_big:
            raise RuntimeError(
                f"{fn}(): Size does not match at dimension {d} expected index "
                f"{list(idx.shape)} to be smaller than self {list(input.shape)} apart from "
                f"dimension {axis}"
                + ("" if src is None else f" and to be smaller size than src {list(src.shape)}")
            )
    if idx.size:
        low, high = builtins.int(idx.min()), builtins.int(idx.max())
        bad = low if low < 0 else high
        if low < 0 or high >= input.shape[axis]:
            raise RuntimeError(
                f"{fn}(): index {bad} is out of bounds for dimension {axis} with size "
                f"{input.shape[axis]}"
            )
    grids = open_grids(get_array_module(idx), idx.shape)
    grids[axis] = idx
    used = None
    if src is not None:
        used = src if src.shape == idx.shape else src[tuple(slice(0, s) for s in idx.shape)]
    return axis, tuple(grids), used


def _as_src(input: Tensor, index: Tensor, src: Any, value: Any) -> Tensor:  # noqa: A002
    """``src``, or a tensor of ``value`` shaped like ``index`` (the scalar overloads)."""
    if src is None and value is None:
        raise TypeError("scatter(): expected a src Tensor or a value (a number)")
    if isinstance(src, Tensor):
        return src
    fill = value if src is None else src
    xp = get_array_module(input._data)
    return Tensor._make(xp.full(index.shape, fill, dtype=input._data.dtype))


def scatter(
    input: Tensor,  # noqa: A002
    dim: int,
    index: Tensor,
    src: Any = None,
    value: Any = None,
    *,
    reduce: str | None = None,
) -> Tensor:
    """A copy of ``input`` with ``src`` (or ``value``) written at ``index`` along ``dim``.

    ``out[index[i][j]][j] = src[i][j]`` for dim 0. With repeated indices the last write
    wins (PyTorch leaves it unspecified). ``reduce='add'|'multiply'`` combines instead.
    """
    src_tensor = _as_src(input, index, src, value)
    if reduce is not None:
        modes = {"add": "sum", "multiply": "prod"}
        if reduce not in modes:
            raise RuntimeError(
                f"scatter(): reduce argument must be either add or multiply, got {reduce!r}"
            )
        return scatter_reduce(input, dim, index, src_tensor, modes[reduce])
    _, grids, used = _scatter_grids("scatter", input, dim, index, src_tensor)
    return IndexPut.apply(input, used, grids)


def scatter_add(input: Tensor, dim: int, index: Tensor, src: Tensor) -> Tensor:  # noqa: A002
    """``input`` with ``src`` added at ``index`` along ``dim``; repeated indices accumulate."""
    _, grids, used = _scatter_grids("scatter_add", input, dim, index, src)
    return input + ScatterAdd.apply(used, input.shape, grids)


def scatter_reduce(
    input: Tensor,  # noqa: A002
    dim: int,
    index: Tensor,
    src: Tensor,
    reduce: str,
    *,
    include_self: bool = True,
) -> Tensor:
    """Combine ``src`` into ``input`` at ``index`` with sum, prod, mean, amax or amin."""
    if reduce not in scatter_ops.REDUCTIONS:
        raise RuntimeError(
            f"reduce argument must be either sum, prod, mean, amax or amin, got {reduce}"
        )
    _, grids, used = _scatter_grids("scatter_reduce", input, dim, index, src)
    return scatter_ops.ScatterReduce.apply(input, used, grids, reduce, include_self)
