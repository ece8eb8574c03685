"""``repr`` of tensors in PyTorch's style: ``tensor([1.0000, 2.5000], requires_grad=True)``."""

from __future__ import annotations

from typing import Any

import numpy as np

from nettrain.backend import to_numpy


def _float_formatter(values: np.ndarray) -> Any:
    """Pick PyTorch's float style: integers as ``1.``, else 4 decimals or scientific."""
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return lambda v: str(v)
    if np.all(finite == np.round(finite)) and np.max(np.abs(finite)) < 1e8:
        return lambda v: f"{v:.0f}." if np.isfinite(v) else str(v)
    largest = np.max(np.abs(finite))
    smallest = np.min(np.abs(finite[finite != 0])) if np.any(finite != 0) else 1.0
    if largest >= 1e8 or smallest < 1e-4 or largest / smallest > 1e5:
        return lambda v: f"{v:.4e}" if np.isfinite(v) else str(v)
    return lambda v: f"{v:.4f}" if np.isfinite(v) else str(v)


def format_values(array: np.ndarray) -> str:
    """The bracketed values, indented under ``tensor(``."""
    if array.dtype.kind == "f":
        formatter = {"float_kind": _float_formatter(array.astype(np.float64))}
    elif array.dtype.kind == "b":
        formatter = {"bool": lambda v: "True" if v else "False"}
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
        if array.size == 0:
            parts.append(f"size={tuple(array.shape)}")
        if not default_shown:
            parts.append(f"dtype=nettrain.{dtype.name}")
    if tensor.grad_fn is not None:
        parts.append(f"grad_fn={tensor.grad_fn!r}")
    elif tensor._requires_grad:
        parts.append("requires_grad=True")
    return f"tensor({', '.join(parts)})"
