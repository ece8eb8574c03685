"""Argument helpers shared by the function families (not public API)."""

from __future__ import annotations

import builtins
from typing import Any

import numpy as np

from nettrain.tensor import Tensor


def _check_tensor(value: Any, name: str, fn: str) -> Tensor:
    if not isinstance(value, Tensor):
        raise TypeError(f"{fn}(): argument '{name}' must be Tensor, not {type(value).__name__}")
    return value


def _plain(value: Any) -> Any:
    """The array behind a Tensor; anything else unchanged."""
    if isinstance(value, Tensor):
        return value._data
    return value


_PASS_THROUGH = (Tensor, int, float, bool)


def _operand(value: Any) -> Any:
    """Tensors and Python scalars pass through; anything else becomes an array constant."""
    if type(value) is Tensor or isinstance(value, _PASS_THROUGH):
        return value
    if isinstance(value, np.generic):
        return value.item()
    if hasattr(value, "shape") and hasattr(value, "dtype"):
        return value
    return np.asarray(value)


def _shape_arg(shape: tuple[Any, ...]) -> tuple[int, ...]:
    """Accept ``f(2, 3)``, ``f((2, 3))`` and ``f([2, 3])``."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    return tuple(builtins.int(s) for s in shape)


def _resolve_shape(shape: tuple[int, ...], numel: int) -> tuple[int, ...]:
    """Fill a single -1 and check that the element count matches."""
    if -1 in shape:
        known = 1
        for size in shape:
            if size != -1:
                known *= size
        if shape.count(-1) > 1:
            raise RuntimeError("only one dimension can be inferred")
        if known == 0 or numel % known:
            raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
        shape = tuple(numel // known if s == -1 else s for s in shape)
    count = 1
    for size in shape:
        count *= size
    if count != numel:
        raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
    return shape


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
