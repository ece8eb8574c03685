"""Tensor functions added for issue 10: sorting, scatter, triangular, cumulative, einsum,
sampling (``nt.sort``, ``nt.scatter``, ``nt.tril``, ``nt.einsum``, ``nt.multinomial`` ...).

Each parses PyTorch's arguments and calls one op (or composes differentiable ones); the
Tensor methods of the same names call these. The sections are meant to move into the
``functions`` package as they are.
"""

from __future__ import annotations

import builtins
import sys
from collections import namedtuple
from typing import Any

import numpy as np

from nettrain import _tensor_methods
from nettrain.backend import get_array_module, to_device, to_numpy
from nettrain.ops import cumulative
from nettrain.ops import einsum as einsum_ops
from nettrain.ops import scatter as scatter_ops
from nettrain.ops.indexing import IndexPut, ScatterAdd
from nettrain.ops.scatter import open_grids
from nettrain.ops.shape import Where
from nettrain.tensor import Tensor

return_types_sort = namedtuple("sort", ["values", "indices"])
return_types_topk = namedtuple("topk", ["values", "indices"])


def _dim(dim: int, ndim: int) -> int:
    """``dim`` as a non-negative axis, with PyTorch's out-of-range message."""
    size = builtins.max(ndim, 1)
    if not -size <= dim < size:
        raise IndexError(
            f"Dimension out of range (expected to be in range of [{-size}, {size - 1}], "
            f"but got {dim})"
        )
    return dim % size


def _check_index(fn: str, index: Any) -> Any:
    if not isinstance(index, Tensor) or index._data.dtype.kind not in "iu":
        got = index.dtype if isinstance(index, Tensor) else type(index).__name__
        raise RuntimeError(f"{fn}(): Expected dtype int64 for index, got {got}")
    return index._data


# -- sorting and selection ---------------------------------------------------------------


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
    return return_types_sort(_gather_values(input, axis, indices), indices)


def _gather_values(input: Tensor, axis: int, indices: Tensor) -> Tensor:  # noqa: A002
    from nettrain.functions import gather

    return gather(input, axis, indices)


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
    return return_types_topk(_gather_values(input, axis, indices), indices)


# -- scatter, index selection ------------------------------------------------------------


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
    from nettrain.functions import gather

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


# -- triangular and diagonal ---------------------------------------------------------------


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


# -- cumulative --------------------------------------------------------------------------


def cumsum(input: Tensor, dim: int, *, dtype: Any = None) -> Tensor:  # noqa: A002
    """Cumulative sum along ``dim``, differentiable (integers accumulate in int64)."""
    source = input if dtype is None else input.to(dtype)
    return cumulative.Cumsum.apply(source, _dim(dim, input.ndim))


def cumprod(input: Tensor, dim: int, *, dtype: Any = None) -> Tensor:  # noqa: A002
    """Cumulative product along ``dim``, differentiable (exact where values are zero)."""
    source = input if dtype is None else input.to(dtype)
    return cumulative.Cumprod.apply(source, _dim(dim, input.ndim))


# -- rearranging -------------------------------------------------------------------------


def roll(input: Tensor, shifts: Any, dims: Any = None) -> Tensor:  # noqa: A002
    """Rotate elements along ``dims`` by ``shifts`` (the flattened tensor when dims=None)."""
    if dims is None:
        if not isinstance(shifts, builtins.int) and len(shifts) != 1:
            raise RuntimeError(
                f"roll(): shifts and dimensions must align. shifts: {len(shifts)}, dims:0"
            )
        step = shifts if isinstance(shifts, builtins.int) else shifts[0]
        return roll(input.flatten(), step, 0).reshape(input.shape)
    shift_list = [shifts] if isinstance(shifts, builtins.int) else list(shifts)
    dim_list = [dims] if isinstance(dims, builtins.int) else list(dims)
    if len(shift_list) != len(dim_list):
        raise RuntimeError(
            f"roll(): shifts and dimensions must align. shifts: {len(shift_list)}, "
            f"dims:{len(dim_list)}"
        )
    xp = get_array_module(input._data)
    out = input
    for step, dim in zip(shift_list, dim_list):
        axis = _dim(dim, input.ndim)
        size = input.shape[axis]
        if size == 0 or step % size == 0:
            continue
        source = (xp.arange(size) - step) % size  # out[i] = in[i - shift]
        out = out[(slice(None),) * axis + (source,)]
    return out if out is not input else input.clone()


def repeat_interleave(
    input: Tensor,  # noqa: A002
    repeats: Any = None,
    dim: int | None = None,
    *,
    output_size: int | None = None,
) -> Tensor:
    """Repeat each element ``repeats`` times along ``dim`` (flattened when dim=None).

    With one tensor argument, ``repeat_interleave(counts)`` returns ``0`` repeated
    ``counts[0]`` times, then ``1`` ``counts[1]`` times, and so on.
    """
    xp = get_array_module(input._data)
    if repeats is None:
        counts = input._data
        return Tensor._make(xp.repeat(xp.arange(counts.shape[0], dtype=np.int64), counts))
    source = input.flatten() if dim is None else input
    axis = 0 if dim is None else _dim(dim, input.ndim)
    size = source.shape[axis] if source.ndim else 1
    counts = repeats._data if isinstance(repeats, Tensor) else repeats
    if isinstance(counts, builtins.int) or getattr(counts, "size", 2) == 1:
        counts = builtins.int(counts)
    elif counts.shape != (size,):
        raise RuntimeError(
            f"repeat_interleave(): repeats must have the same size as input along dim, "
            f"got {list(counts.shape)} and {size}"
        )
    positions = xp.repeat(xp.arange(size), counts)
    return source[(slice(None),) * axis + (positions,)]


# -- einsum ------------------------------------------------------------------------------


def einsum(equation: str, *operands: Any) -> Tensor:
    """Einstein summation, as ``torch.einsum``: ``einsum("bij,bjk->bik", a, b)``.

    Supports ``...`` for broadcast dimensions, the implicit output (labels seen once, in
    alphabetical order) and operands passed as one list. Differentiable to any order:
    the backward of an einsum is made of einsums.
    """
    if not isinstance(equation, str):
        raise NotImplementedError(
            "einsum(): the sublist format einsum(op, [0, 1], ...) is not supported; "
            "write the equation as a string, e.g. einsum('ij,jk->ik', a, b)"
        )
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    for i, op in enumerate(operands):
        if not isinstance(op, Tensor):
            raise TypeError(f"einsum(): operand {i} must be a Tensor, not {type(op).__name__}")
    explicit = einsum_ops.normalize_equation(equation, [op.shape for op in operands])
    return einsum_ops.Einsum.apply(explicit, *operands)


# -- sampling ------------------------------------------------------------------------------


def multinomial(
    input: Tensor,  # noqa: A002
    num_samples: int,
    replacement: bool = False,
    *,
    generator: Any = None,
) -> Tensor:
    """Draw category indices with probability proportional to the rows of ``input``.

    Draws come from nettrain's generator (``generator``, or the global one), so a seed
    reproduces them on every device; they are not PyTorch's stream. Without replacement
    each row's draws are distinct.

    Example:
        >>> nt.multinomial(nt.tensor([0.1, 0.9]), 4, replacement=True).shape
        (4,)
    """
    from nettrain.random import _generator_for

    if input.ndim not in (1, 2):
        raise RuntimeError(f"prob_dist must be 1 or 2 dim, got {input.ndim}")
    weights = to_numpy(input._data).astype(np.float64).reshape(-1, input.shape[-1])
    if not np.isfinite(weights).all() or (weights < 0).any():
        raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
    totals = weights.sum(axis=1, keepdims=True)
    if (totals <= 0).any():
        raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
    categories = weights.shape[1]
    if not replacement and num_samples > categories:
        raise RuntimeError(
            f"cannot sample n_sample ({num_samples}) > prob_dist.size(-1) ({categories}) "
            "samples without replacement; pass replacement=True"
        )
    rng = _generator_for(generator)
    if replacement:
        uniform = rng.random((weights.shape[0], num_samples))
        cdf = np.cumsum(weights, axis=1)
        cdf /= cdf[:, -1:]  # exactly 1.0 at the end, so u < 1 never runs past it
        # one searchsorted per distribution (row), vectorised over its draws
        samples = np.stack([np.searchsorted(c, u, side="right") for c, u in zip(cdf, uniform)])
    else:
        # Efraimidis-Spirakis: the k smallest keys -log(u) / w are a weighted draw without
        # replacement; zero weights get key inf and come last
        with np.errstate(divide="ignore"):
            keys = -np.log1p(-rng.random(weights.shape)) / weights
        samples = np.argsort(keys, axis=1, kind="stable")[:, :num_samples]
    samples = samples.astype(np.int64).reshape((*input.shape[:-1], num_samples))
    return Tensor._make(to_device(samples, input.device))


def bernoulli(
    input: Tensor,  # noqa: A002
    p: float | None = None,
    *,
    generator: Any = None,
) -> Tensor:
    """0/1 draws, 1 with probability ``input`` (or ``p``), in ``input``'s dtype (no grad)."""
    from nettrain.random import _generator_for

    probs = to_numpy(input._data) if p is None else np.full(input.shape, p)
    if probs.size and (np.nanmin(probs) < 0 or np.nanmax(probs) > 1 or np.isnan(probs).any()):
        raise RuntimeError("bernoulli: all probabilities must be in [0, 1]")
    draws = _generator_for(generator).random(input.shape) < probs
    return Tensor._make(to_device(draws.astype(input._data.dtype), input.device))


# -- the torch namespace: compile, precision and determinism switches ----------------------

_MATMUL_PRECISIONS = ("highest", "high", "medium")
_settings: dict[str, Any] = {
    "matmul_precision": "highest",
    "deterministic": False,
    "num_threads": None,
}


def compile(  # noqa: A001 - PyTorch's name
    model: Any = None,
    *,
    fullgraph: bool = False,
    dynamic: bool | None = None,
    backend: Any = "inductor",
    mode: str | None = None,
    options: dict[str, Any] | None = None,
    disable: bool = False,
    **kwargs: Any,
) -> Any:
    """Return ``model`` unchanged: nettrain runs eagerly and has no compiler.

    Accepts PyTorch's arguments so ``model = torch.compile(model)`` and the decorator
    forms ``@torch.compile`` / ``@torch.compile(mode=...)`` keep working.
    """
    if model is None:
        return lambda fn: fn
    return model


def set_float32_matmul_precision(precision: str) -> None:
    """Record the float32 matmul precision; nettrain always computes in full float32.

    An unknown value warns and changes nothing, as in PyTorch.
    """
    if precision not in _MATMUL_PRECISIONS:
        import warnings

        warnings.warn(
            f"{precision} is not one of 'highest', 'high', or 'medium'; the "
            "set_float32_matmul_precision call has no effect.",
            stacklevel=2,
        )
        return
    _settings["matmul_precision"] = precision


def get_float32_matmul_precision() -> str:
    """The value last given to ``set_float32_matmul_precision`` ('highest' by default)."""
    return _settings["matmul_precision"]


def use_deterministic_algorithms(mode: bool, *, warn_only: bool = False) -> None:
    """Record the flag: nettrain's ops are deterministic already."""
    _settings["deterministic"] = bool(mode)


def are_deterministic_algorithms_enabled() -> bool:
    """The value last given to ``use_deterministic_algorithms``."""
    return _settings["deterministic"]


def set_num_threads(int: int) -> None:  # noqa: A002 - PyTorch's argument name
    """Record the intra-op thread count; numpy's BLAS threads are set by its environment
    variables (``OPENBLAS_NUM_THREADS``, ``OMP_NUM_THREADS``) before it loads."""
    if int < 1:
        raise RuntimeError(f"set_num_threads expects a positive integer, got {int}")
    _settings["num_threads"] = int


def get_num_threads() -> int:
    """The value given to ``set_num_threads``, else the number of CPUs."""
    import os

    return _settings["num_threads"] or os.cpu_count() or 1


_tensor_methods._P = sys.modules[__name__]
