"""Cumulative sums and products (``nt.cumsum``, ``nt.cumprod``) over ``ops.cumulative``."""

from __future__ import annotations

from typing import Any

from nettrain.functions._common import _dim
from nettrain.ops import cumulative
from nettrain.tensor import Tensor


def cumsum(input: Tensor, dim: int, *, dtype: Any = None) -> Tensor:  # noqa: A002
    """Cumulative sum along ``dim``, differentiable (integers accumulate in int64)."""
    source = input if dtype is None else input.to(dtype)
    return cumulative.Cumsum.apply(source, _dim(dim, input.ndim))


def cumprod(input: Tensor, dim: int, *, dtype: Any = None) -> Tensor:  # noqa: A002
    """Cumulative product along ``dim``, differentiable (exact where values are zero)."""
    source = input if dtype is None else input.to(dtype)
    return cumulative.Cumprod.apply(source, _dim(dim, input.ndim))
