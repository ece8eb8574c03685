"""dtype objects (``nettrain.float32`` ...) and PyTorch's type-promotion rules.

numpy promotes ``int64 + float32`` to float64; PyTorch keeps the float operand's type,
and a 0-dim tensor never widens a dimensioned one of the same kind. ``result_type``
implements PyTorch's rule so float32 models stay float32.
"""

from __future__ import annotations

from typing import Any

import numpy as np

# Keep the builtins reachable: this module rebinds float/int/bool to dtypes, as torch does.
_py_float, _py_int, _py_bool = float, int, bool


class dtype:  # noqa: N801 - PyTorch's public name
    """A tensor element type; wraps the numpy dtype that stores it."""

    __slots__ = ("name", "numpy", "is_floating_point", "is_signed", "itemsize", "_category")

    def __init__(self, name: str, numpy_dtype: Any, category: int) -> None:
        self.name = name
        self.numpy = np.dtype(numpy_dtype)
        self.is_floating_point = category == 2
        self.is_signed = category != 0 and self.numpy != np.dtype(np.bool_)
        self.itemsize = self.numpy.itemsize
        self._category = category

    def __repr__(self) -> str:
        return f"nettrain.{self.name}"

    def __reduce__(self) -> str:
        return self.name


# Categories order the kinds for promotion: bool < integer < floating.
_BOOL, _INT, _FLOAT = 0, 1, 2

float16 = half = dtype("float16", np.float16, _FLOAT)
float32 = float = dtype("float32", np.float32, _FLOAT)  # noqa: A001 - PyTorch's alias
float64 = double = dtype("float64", np.float64, _FLOAT)
int8 = dtype("int8", np.int8, _INT)
uint8 = dtype("uint8", np.uint8, _INT)
int16 = short = dtype("int16", np.int16, _INT)
int32 = int = dtype("int32", np.int32, _INT)  # noqa: A001 - PyTorch's alias
int64 = long = dtype("int64", np.int64, _INT)
bool = dtype("bool", np.bool_, _BOOL)  # noqa: A001 - PyTorch's public name


class _UnavailableDtype(dtype):
    """A PyTorch dtype that numpy and cupy cannot store: naming it works, using it raises."""

    __slots__ = ("hint",)

    def __init__(self, name: str, hint: str) -> None:  # no numpy dtype to wrap
        self.name, self.hint, self.numpy = name, hint, None
        self.is_floating_point, self.is_signed, self.itemsize = True, True, 2
        self._category = _FLOAT

    def unavailable(self) -> NotImplementedError:
        return NotImplementedError(f"dtype {self.name} is not supported: {self.hint}")


# nanoGPT-style programs name it in a dict of choices before picking one
bfloat16 = _UnavailableDtype("bfloat16", "numpy and cupy have no bfloat16; use float32 or float16")

ALL: tuple[dtype, ...] = (float16, float32, float64, int8, uint8, int16, int32, int64, bool)
_FROM_NUMPY: dict[np.dtype, dtype] = {d.numpy: d for d in ALL}
_BY_NAME: dict[str, dtype] = {d.name: d for d in ALL}
_BY_NAME.update(
    {
        "half": float16,
        "float": float32,
        "double": float64,
        "long": int64,
        "int": int32,
        "short": int16,
    }
)

# safetensors' names for these types: the one table every nettrain file is written and read
# with (``nettrain.serialization``). BF16 is not here: no nettrain dtype holds it, so the
# reader widens it to float32 (see the serialization module's docstring).
SAFETENSORS_CODES: dict[str, dtype] = {
    "F16": float16,
    "F32": float32,
    "F64": float64,
    "I8": int8,
    "U8": uint8,
    "I16": int16,
    "I32": int32,
    "I64": int64,
    "BOOL": bool,
}

_default_float = float32


def get_default_dtype() -> dtype:
    """The dtype of float tensors made from Python numbers (float32 unless changed)."""
    return _default_float


def set_default_dtype(d: dtype) -> None:
    """Change the default float dtype, as ``torch.set_default_dtype``."""
    global _default_float
    d = to_dtype(d)
    if not d.is_floating_point:
        raise TypeError(f"only floating-point types are supported as the default type, got {d}")
    _default_float = d


def from_numpy_dtype(np_dtype: Any) -> dtype:
    """The nettrain dtype stored as ``np_dtype``."""
    try:
        return _FROM_NUMPY[np_dtype]
    except KeyError:
        try:
            return _FROM_NUMPY[np.dtype(np_dtype)]
        except (KeyError, TypeError):
            raise TypeError(
                f"nettrain has no dtype for numpy {np_dtype!r}; supported: "
                + ", ".join(d.name for d in ALL)
            ) from None


def to_dtype(value: Any) -> dtype:
    """Accept a nettrain dtype, a numpy dtype/type, a Python type or a name."""
    if isinstance(value, _UnavailableDtype):
        raise value.unavailable()
    if isinstance(value, dtype):
        return value
    if isinstance(value, str):
        if value.removeprefix("torch.").removeprefix("nettrain.") == "bfloat16":
            raise bfloat16.unavailable()
        try:
            return _BY_NAME[value.removeprefix("nettrain.").removeprefix("torch.")]
        except KeyError:
            raise TypeError(f"unknown dtype name {value!r}") from None
    if value is _py_float:
        return _default_float
    if value is _py_int:
        return int64
    if value is _py_bool:
        return bool
    return from_numpy_dtype(value)


def numpy_dtype(value: Any) -> np.dtype:
    """The numpy dtype behind any dtype-like value."""
    return to_dtype(value).numpy


def result_type(a: np.dtype, b: np.dtype, a_dim: int = 1, b_dim: int = 1) -> np.dtype:
    """PyTorch's promotion of two tensors' numpy dtypes.

    The higher category wins outright (int64 + float32 -> float32). Within a category a
    0-dim operand does not widen a dimensioned one (float64 scalar * float32 -> float32).
    """
    if a is b:
        return a
    ca = _FROM_NUMPY[a]._category
    cb = _FROM_NUMPY[b]._category
    if ca != cb:
        return a if ca > cb else b
    if a_dim == 0 and b_dim != 0:
        return b
    if b_dim == 0 and a_dim != 0:
        return a
    return np.promote_types(a, b)


def scalar_result_type(array_dtype: np.dtype, scalar: Any) -> np.dtype:
    """The dtype of ``tensor op python_scalar``: the scalar only raises the category."""
    if isinstance(scalar, _py_bool):
        return array_dtype
    kind = array_dtype.kind
    if isinstance(scalar, _py_float) and kind in "biu":
        return _default_float.numpy
    if isinstance(scalar, _py_int) and kind == "b":
        return int64.numpy
    return array_dtype


def is_floating(np_dtype: np.dtype) -> _py_bool:
    """True for float16/32/64."""
    return np_dtype.kind == "f"
