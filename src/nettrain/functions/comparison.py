"""Comparisons (``nt.eq``, ``nt.lt``, ``nt.allclose`` ...); none is differentiable."""

from __future__ import annotations

import builtins
from typing import Any

from nettrain.backend import get_array_module
from nettrain.functions._common import _plain
from nettrain.tensor import Tensor


def _compare(ufunc_name: str, input: Any, other: Any) -> Tensor:  # noqa: A002
    a = input._data if isinstance(input, Tensor) else input
    b = other._data if isinstance(other, Tensor) else other
    xp = get_array_module(a, b)
    return Tensor._make(xp.asarray(getattr(xp, ufunc_name)(a, b)))


def eq(input: Any, other: Any) -> Tensor:  # noqa: A002
    """Elementwise ``==``."""
    return _compare("equal", input, other)


def ne(input: Any, other: Any) -> Tensor:  # noqa: A002
    """Elementwise ``!=``."""
    return _compare("not_equal", input, other)


def lt(input: Any, other: Any) -> Tensor:  # noqa: A002
    """Elementwise ``<``."""
    return _compare("less", input, other)


def le(input: Any, other: Any) -> Tensor:  # noqa: A002
    """Elementwise ``<=``."""
    return _compare("less_equal", input, other)


def gt(input: Any, other: Any) -> Tensor:  # noqa: A002
    """Elementwise ``>``."""
    return _compare("greater", input, other)


def ge(input: Any, other: Any) -> Tensor:  # noqa: A002
    """Elementwise ``>=``."""
    return _compare("greater_equal", input, other)


greater, greater_equal, less, less_equal, equal_elementwise = gt, ge, lt, le, eq


def equal(input: Tensor, other: Tensor) -> bool:  # noqa: A002
    """True when both tensors have the same shape and elements."""
    return input.shape == other.shape and builtins.bool((input._data == other._data).all())


def allclose(
    input: Tensor,
    other: Tensor,
    rtol: float = 1e-5,
    atol: float = 1e-8,  # noqa: A002
    equal_nan: bool = False,
) -> bool:
    """``|input - other| <= atol + rtol * |other|`` everywhere."""
    xp = get_array_module(input._data)
    return builtins.bool(
        xp.allclose(input._data, _plain(other), rtol=rtol, atol=atol, equal_nan=equal_nan)
    )


def isclose(
    input: Tensor,
    other: Any,
    rtol: float = 1e-5,
    atol: float = 1e-8,  # noqa: A002
    equal_nan: bool = False,
) -> Tensor:
    """Elementwise closeness test."""
    xp = get_array_module(input._data)
    return Tensor._make(
        xp.isclose(input._data, _plain(other), rtol=rtol, atol=atol, equal_nan=equal_nan)
    )
