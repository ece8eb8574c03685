"""Tensor factories: ``tensor``, ``zeros``, ``arange``, ``randn`` ... and legacy types.

Python floats become the default float dtype (float32), Python ints int64, bools bool;
numpy arrays keep their dtype, as in PyTorch.
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from typing import Any

import numpy as np

from nettrain import dtypes
from nettrain.backend import array_module_for, is_array, parse_device, to_device, to_numpy
from nettrain.random import Generator, _generator_for
from nettrain.tensor import Tensor


def _infer_array(data: Any, dtype: Any) -> np.ndarray | Any:
    """Turn ``data`` into an array with PyTorch's dtype inference."""
    if isinstance(data, Tensor):
        array = data._data
    elif is_array(data) or isinstance(data, np.generic):
        array = data
    else:
        if isinstance(data, (list, tuple)) and builtins.any(isinstance(d, Tensor) for d in data):
            data = [d.tolist() if isinstance(d, Tensor) else d for d in data]
        array = np.asarray(data)
        if dtype is None:
            kind = array.dtype.kind
            if kind == "f":
                array = array.astype(dtypes.get_default_dtype().numpy)
            elif kind in "iu":
                array = array.astype(np.int64)
            elif kind not in "b":
                raise TypeError(
                    f"can't convert {type(data).__name__} of {array.dtype} to a tensor; "
                    "expected numbers, bools, or nested lists of them"
                )
    if dtype is not None:
        array = array.astype(dtypes.numpy_dtype(dtype), copy=False)
    else:
        dtypes.from_numpy_dtype(array.dtype)  # raises for unsupported dtypes
    return array


def tensor(
    data: Any,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
    pin_memory: bool = False,
) -> Tensor:
    """A new tensor copying ``data`` (nested lists, numbers, arrays or tensors).

    Example:
        >>> tensor([[1, 2], [3, 4]], dtype=float32)
    """
    array = _infer_array(data, dtype)
    target = parse_device(device) if device is not None else None
    if target is None:
        xp_array = array.copy() if hasattr(array, "copy") else np.asarray(array)
    else:
        moved = to_device(np.asarray(array) if isinstance(array, np.generic) else array, target)
        xp_array = moved.copy() if moved is array else moved
    if isinstance(xp_array, np.generic):
        xp_array = np.asarray(xp_array)
    result = Tensor._make(xp_array)
    if requires_grad:
        result.requires_grad_(True)
    return result


def as_tensor(data: Any, dtype: Any = None, device: Any = None) -> Tensor:
    """Like ``tensor`` but shares memory with an array or tensor when it can."""
    if isinstance(data, Tensor) and dtype is None and device is None:
        return data
    if is_array(data) and device is None:
        array = data if dtype is None else data.astype(dtypes.numpy_dtype(dtype), copy=False)
        return Tensor._make(array)
    return tensor(data, dtype=dtype, device=device)


def from_numpy(array: np.ndarray) -> Tensor:
    """A tensor sharing memory with a numpy array."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(array).__name__})")
    dtypes.from_numpy_dtype(array.dtype)
    return Tensor._make(array)


def _shape(size: tuple[Any, ...]) -> tuple[int, ...]:
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    for s in size:
        if not isinstance(s, (builtins.int, np.integer)) or s < 0:
            raise TypeError(f"sizes must be non-negative integers, got {size!r}")
    return tuple(builtins.int(s) for s in size)


def _factory(
    make: Any, size: tuple[Any, ...], dtype: Any, device: Any, requires_grad: bool
) -> Tensor:
    target = parse_device(device)
    xp = array_module_for(target)
    np_dtype = (dtypes.get_default_dtype() if dtype is None else dtypes.to_dtype(dtype)).numpy
    if target.type == "cuda":
        with xp.cuda.Device(target.index or 0):
            array = make(xp, _shape(size), np_dtype)
    else:
        array = make(xp, _shape(size), np_dtype)
    result = Tensor._make(array)
    if requires_grad:
        result.requires_grad_(True)
    return result


def zeros(
    *size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False, out: Any = None
) -> Tensor:
    """A tensor of zeros."""
    return _factory(lambda xp, s, d: xp.zeros(s, d), size, dtype, device, requires_grad)


def ones(
    *size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False, out: Any = None
) -> Tensor:
    """A tensor of ones."""
    return _factory(lambda xp, s, d: xp.ones(s, d), size, dtype, device, requires_grad)


def empty(
    *size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False, out: Any = None
) -> Tensor:
    """An uninitialised tensor."""
    return _factory(lambda xp, s, d: xp.empty(s, d), size, dtype, device, requires_grad)


def full(
    size: Sequence[int],
    fill_value: Any,
    *,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """A tensor filled with ``fill_value`` (its dtype inferred from the value)."""
    if dtype is None:
        dtype = (
            dtypes.to_dtype(type(fill_value))
            if isinstance(fill_value, (builtins.bool, builtins.int, builtins.float))
            else None
        )
    return _factory(
        lambda xp, s, d: xp.full(s, fill_value, d), (tuple(size),), dtype, device, requires_grad
    )


def _like(input: Tensor, dtype: Any, device: Any) -> tuple[Any, Any]:  # noqa: A002
    return (input.dtype if dtype is None else dtype, input.device if device is None else device)


def zeros_like(
    input: Tensor,
    *,
    dtype: Any = None,
    device: Any = None,  # noqa: A002
    requires_grad: bool = False,
) -> Tensor:
    """Zeros shaped like ``input``."""
    dtype, device = _like(input, dtype, device)
    return zeros(input.shape, dtype=dtype, device=device, requires_grad=requires_grad)


def ones_like(
    input: Tensor,
    *,
    dtype: Any = None,
    device: Any = None,  # noqa: A002
    requires_grad: bool = False,
) -> Tensor:
    """Ones shaped like ``input``."""
    dtype, device = _like(input, dtype, device)
    return ones(input.shape, dtype=dtype, device=device, requires_grad=requires_grad)


def empty_like(
    input: Tensor,
    *,
    dtype: Any = None,
    device: Any = None,  # noqa: A002
    requires_grad: bool = False,
) -> Tensor:
    """An uninitialised tensor shaped like ``input``."""
    dtype, device = _like(input, dtype, device)
    return empty(input.shape, dtype=dtype, device=device, requires_grad=requires_grad)


def full_like(
    input: Tensor,
    fill_value: Any,
    *,
    dtype: Any = None,  # noqa: A002
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """``fill_value`` everywhere, shaped like ``input``."""
    dtype, device = _like(input, dtype, device)
    return full(input.shape, fill_value, dtype=dtype, device=device, requires_grad=requires_grad)


def arange(
    start: float,
    end: float | None = None,
    step: float = 1,
    *,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """Values from ``start`` to ``end`` (exclusive) by ``step``; int64 for integer args."""
    if end is None:
        start, end = 0, start
    if dtype is None:
        all_ints = builtins.all(
            isinstance(v, (builtins.int, np.integer)) for v in (start, end, step)
        )
        dtype = dtypes.int64 if all_ints else dtypes.get_default_dtype()
    np_dtype = dtypes.numpy_dtype(dtype)
    return _from_host(np.arange(start, end, step).astype(np_dtype), device, requires_grad)


def linspace(
    start: float,
    end: float,
    steps: int,
    *,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """``steps`` evenly spaced values from ``start`` to ``end`` inclusive."""
    np_dtype = dtypes.numpy_dtype(dtype or dtypes.get_default_dtype())
    return _from_host(np.linspace(start, end, steps).astype(np_dtype), device, requires_grad)


def eye(
    n: int,
    m: int | None = None,
    *,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """The identity matrix (n x m)."""
    np_dtype = dtypes.numpy_dtype(dtype or dtypes.get_default_dtype())
    return _from_host(np.eye(n, m, dtype=np_dtype), device, requires_grad)


def _from_host(array: np.ndarray, device: Any, requires_grad: bool) -> Tensor:
    result = Tensor._make(to_device(array, parse_device(device)))
    if requires_grad:
        result.requires_grad_(True)
    return result


def rand(
    *size: Any,
    generator: Generator | None = None,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """Uniform samples in [0, 1)."""
    np_dtype = dtypes.numpy_dtype(dtype or dtypes.get_default_dtype())
    values = _generator_for(generator).random(_shape(size)).astype(np_dtype)
    return _from_host(values, device, requires_grad)


def randn(
    *size: Any,
    generator: Generator | None = None,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """Standard normal samples."""
    np_dtype = dtypes.numpy_dtype(dtype or dtypes.get_default_dtype())
    values = _generator_for(generator).normal(0.0, 1.0, _shape(size)).astype(np_dtype)
    return _from_host(values, device, requires_grad)


def randint(
    low: int,
    high: int | None = None,
    size: Sequence[int] = (),
    *,
    generator: Generator | None = None,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """Integers in [low, high) (int64 unless ``dtype`` says otherwise)."""
    if isinstance(high, (tuple, list)):  # randint(high, size), PyTorch's short form
        high, size = None, high
    if high is None:
        low, high = 0, low
    if low >= high:
        raise RuntimeError(f"randint: expected low < high, got low={low}, high={high}")
    np_dtype = dtypes.numpy_dtype(dtype or dtypes.int64)
    values = _generator_for(generator).integers(low, high, tuple(size)).astype(np_dtype)
    return _from_host(values, device, requires_grad)


def randperm(
    n: int, *, generator: Generator | None = None, dtype: Any = None, device: Any = None
) -> Tensor:
    """A random permutation of range(n)."""
    np_dtype = dtypes.numpy_dtype(dtype or dtypes.int64)
    values = _generator_for(generator).permutation(n).astype(np_dtype)
    return _from_host(values, device, False)


def rand_like(input: Tensor, *, dtype: Any = None, device: Any = None) -> Tensor:  # noqa: A002
    """Uniform samples shaped like ``input``."""
    dtype, device = _like(input, dtype, device)
    return rand(input.shape, dtype=dtype, device=device)


def randn_like(input: Tensor, *, dtype: Any = None, device: Any = None) -> Tensor:  # noqa: A002
    """Normal samples shaped like ``input``."""
    dtype, device = _like(input, dtype, device)
    return randn(input.shape, dtype=dtype, device=device)


def _legacy_array(args: tuple[Any, ...], dtype: Any, device: Any) -> Any:
    """What ``Tensor(...)``/``FloatTensor(...)`` build: from data, or zeros of a size."""
    np_dtype = dtypes.numpy_dtype(dtype or dtypes.get_default_dtype())
    if len(args) == 1 and not isinstance(args[0], (builtins.int, np.integer)):
        data = args[0]
        if isinstance(data, Tensor):
            data = to_numpy(data._data)
        array = np.array(data, dtype=np_dtype)
    else:
        array = np.zeros(_shape(args), dtype=np_dtype)
    return to_device(array, parse_device(device))


class _LegacyTensorType(type):
    """Metaclass so ``isinstance(t, FloatTensor)`` checks the dtype, as PyTorch does."""

    _dtype: dtypes.dtype

    def __instancecheck__(cls, obj: Any) -> bool:
        return isinstance(obj, Tensor) and obj.dtype is cls._dtype

    def __call__(cls, *args: Any, device: Any = None) -> Tensor:  # type: ignore[override]
        return Tensor._make(_legacy_array(args, cls._dtype, device))


class FloatTensor(metaclass=_LegacyTensorType):
    """Legacy constructor: ``FloatTensor([1, 2])`` or ``FloatTensor(2, 3)`` -> float32."""

    _dtype = dtypes.float32


class DoubleTensor(metaclass=_LegacyTensorType):
    """Legacy constructor for float64 tensors."""

    _dtype = dtypes.float64


class LongTensor(metaclass=_LegacyTensorType):
    """Legacy constructor: ``LongTensor([1, 0, 1])`` -> int64."""

    _dtype = dtypes.int64


class IntTensor(metaclass=_LegacyTensorType):
    """Legacy constructor for int32 tensors."""

    _dtype = dtypes.int32


class BoolTensor(metaclass=_LegacyTensorType):
    """Legacy constructor for bool tensors."""

    _dtype = dtypes.bool


class HalfTensor(metaclass=_LegacyTensorType):
    """Legacy constructor for float16 tensors."""

    _dtype = dtypes.float16
