"""Questions about a tensor (``nt.numel``, ``nt.is_tensor``, ``nt.is_floating_point``)."""

from __future__ import annotations

import builtins
from typing import Any

from nettrain.tensor import Tensor


def numel(input: Tensor) -> int:  # noqa: A002
    """Number of elements."""
    return builtins.int(input._data.size)


def is_tensor(obj: Any) -> bool:
    """True for nettrain Tensors."""
    return isinstance(obj, Tensor)


def is_floating_point(input: Tensor) -> bool:  # noqa: A002
    """True for float16/32/64 tensors."""
    return input._data.dtype.kind == "f"
