"""``repr`` of tensors in PyTorch's style: ``tensor([1.0000, 2.5000], requires_grad=True)``."""

from __future__ import annotations

from typing import Any

import numpy as np

from nettrain.backend import to_numpy


def _summarized(values: np.ndarray, edge: int = 3, threshold: int = 1000) -> np.ndarray:
    """The elements a summarized print shows (PyTorch sizes its columns from these only)."""
    if values.size <= threshold:
        return values
    for axis in range(values.ndim):
        if values.shape[axis] > 2 * edge:
            keep = list(range(edge)) + list(range(values.shape[axis] - edge, values.shape[axis]))
            values = np.take(values, keep, axis=axis)
    return values


def _float_formatter(values: np.ndarray) -> Any:
    """PyTorch's float style and column width.

    Whole numbers print as ``1.``; others with 4 decimals; scientific when the nonzero
    magnitudes span more than 1000x, exceed 1e8, or go below 1e-4. Every element is
    right-aligned to the widest nonzero finite one.
    """
    finite = values[np.isfinite(values)]
    nonzero = finite[finite != 0]
    magnitudes = np.abs(nonzero)
    high = float(magnitudes.max()) if magnitudes.size else 0.0
    low = float(magnitudes.min()) if magnitudes.size else 0.0
    if np.all(finite == np.ceil(finite)):
        sci = magnitudes.size > 0 and (high / low > 1000.0 or high > 1.0e8)
        style = "{:.4e}" if sci else "{:.0f}."
    else:
        sci = high / low > 1000.0 or high > 1.0e8 or low < 1.0e-4
        style = "{:.4e}" if sci else "{:.4f}"

    def one(v: float) -> str:
        return style.format(v) if np.isfinite(v) else str(v)

    width = max((len(one(v)) for v in nonzero.tolist()), default=0)
    return lambda v: one(v).rjust(width)


def format_values(array: np.ndarray) -> str:
    """The bracketed values, indented under ``tensor(``."""
    shown = _summarized(array)
    if array.dtype.kind == "f":
        formatter = {"float_kind": _float_formatter(shown.astype(np.float64))}
    elif array.dtype.kind == "b":
        width = 5 if not shown.all() else 4
        formatter = {"bool": lambda v: ("True" if v else "False").rjust(width)}
    else:
        formatter = None
    return np.array2string(
        array,
        separator=", ",
        prefix="tensor(",
        formatter=formatter,
        threshold=1000,
        edgeitems=3,
        max_line_width=80,
    )


def tensor_repr(tensor: Any) -> str:
    """PyTorch-like repr, naming dtype and device only when they are not the defaults."""
    from nettrain.dtypes import get_default_dtype

    array = to_numpy(tensor._data)
    parts = [format_values(array)]
    if tensor.device.type != "cpu":
        parts.append(f"device='{tensor.device}'")
    dtype = tensor.dtype
    default_shown = dtype is get_default_dtype() or dtype.name in ("int64", "bool")
    if not default_shown or array.size == 0:
        if array.size == 0 and array.ndim != 1:
            parts.append(f"size={tuple(array.shape)}")
        if not default_shown:
            parts.append(f"dtype=nettrain.{dtype.name}")
    if tensor.grad_fn is not None:
        parts.append(f"grad_fn={tensor.grad_fn!r}")
    elif tensor._requires_grad:
        parts.append("requires_grad=True")
    return f"tensor({', '.join(parts)})"
