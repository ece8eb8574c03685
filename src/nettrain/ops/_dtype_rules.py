"""Cast binary-op operands to the dtype PyTorch would give the result."""

from __future__ import annotations

from typing import Any

import numpy as np

from nettrain.dtypes import result_type, scalar_result_type

_ndarray = np.ndarray

_PY_SCALARS = (bool, int, float)


def promote(x: Any, y: Any) -> tuple[Any, Any]:
    """Return ``x, y`` cast so that ``x op y`` has PyTorch's result dtype."""
    if type(x) is _ndarray and type(y) is _ndarray and x.dtype is y.dtype:
        return x, y  # the hot path: two arrays of one dtype
    x_scalar = isinstance(x, _PY_SCALARS)
    y_scalar = isinstance(y, _PY_SCALARS)
    if x_scalar and y_scalar:
        return x, y
    if y_scalar:
        target = scalar_result_type(x.dtype, y)
        return (x if target == x.dtype else x.astype(target)), y
    if x_scalar:
        target = scalar_result_type(y.dtype, x)
        return x, (y if target == y.dtype else y.astype(target))
    if x.dtype is y.dtype:
        return x, y
    target = result_type(x.dtype, y.dtype, x.ndim, y.ndim)
    if x.dtype != target:
        x = x.astype(target)
    if y.dtype != target:
        y = y.astype(target)
    return x, y
