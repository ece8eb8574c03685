"""The one seam between nettrain and its array libraries: numpy on the CPU, cupy on a GPU.

Every other module asks this one for the array module of its arrays
(``get_array_module``) instead of importing numpy or cupy directly for device work,
so the same op code runs on both. cupy is imported here and nowhere else.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import numpy as np

from nettrain.errors import BackendUnavailableError

Array = Any
"""A numpy.ndarray or a cupy.ndarray."""

_CUPY_INSTALL_HINT = (
    "install it with: pip install 'nettrain[gpu-cuda12]' (CUDA 12) or "
    "'nettrain[gpu-cuda13]' (CUDA 13)"
)
# cupy 13 still promotes by value (a Python float could upcast float32 to float64);
# cupy 14 follows NEP 50 as numpy 2 does, which nettrain's dtype rules assume.
_CUPY_MIN_MAJOR = 14

_cupy: ModuleType | None = None
_cupy_error: BaseException | None = None
_cupy_checked = False


def _load_cupy() -> ModuleType | None:
    """Import cupy once; remember why it failed so the error can say so."""
    global _cupy, _cupy_error, _cupy_checked
    if not _cupy_checked:
        _cupy_checked = True
        try:
            import cupy
        except Exception as exc:  # ImportError, or a CUDA library failing to load
            _cupy_error = exc
        else:
            _cupy_error = _version_problem(getattr(cupy, "__version__", "0"))
            _cupy = cupy if _cupy_error is None else None
    return _cupy


def _version_problem(version: str) -> BaseException | None:
    """Why this cupy version cannot serve, or None when it can."""
    match = re.match(r"(\d+)", version)
    major = int(match.group(1)) if match else 0
    if major >= _CUPY_MIN_MAJOR:
        return None
    return ImportError(
        f"cupy {version} is too old: nettrain needs cupy >= {_CUPY_MIN_MAJOR}, whose "
        "scalar type promotion matches numpy 2's (NEP 50)"
    )


def cupy_module() -> ModuleType:
    """Return cupy, or raise a BackendUnavailableError that says what to install."""
    cupy = _load_cupy()
    if cupy is None:
        raise BackendUnavailableError(
            f"device 'cuda' needs cupy, which could not be imported ({_cupy_error!r}); "
            f"{_CUPY_INSTALL_HINT}"
        )
    try:
        count = cupy.cuda.runtime.getDeviceCount()
    except Exception as exc:
        raise BackendUnavailableError(
            f"device 'cuda' needs an NVIDIA GPU, but CUDA reports none ({exc}); "
            "check the driver with nvidia-smi, or use device='cpu'"
        ) from exc
    if count == 0:
        raise BackendUnavailableError(
            "device 'cuda' needs an NVIDIA GPU, but none is visible; use device='cpu'"
        )
    return cupy


def cuda_is_available() -> bool:
    """True when cupy imports and at least one GPU is visible."""
    try:
        cupy_module()
    except BackendUnavailableError:
        return False
    return True


@dataclass(frozen=True)
class device:  # noqa: N801 - PyTorch's public name
    """Where a tensor's array lives: ``device('cpu')``, ``device('cuda')``, ``device('cuda:1')``.

    Example:
        >>> device("cuda:1").index
        1
    """

    type: str
    index: int | None = None

    def __init__(self, spec: str | device, index: int | None = None) -> None:
        if isinstance(spec, device):
            object.__setattr__(self, "type", spec.type)
            object.__setattr__(self, "index", spec.index)
            return
        match = re.fullmatch(r"(cpu|cuda)(?::(\d+))?", str(spec).strip())
        if match is None:
            raise ValueError(
                f"unknown device {spec!r}: expected 'cpu', 'cuda' or 'cuda:N' (N a GPU index)"
            )
        kind, number = match.groups()
        if number is not None:
            index = int(number)
        if kind == "cpu" and index not in (None, 0):
            raise ValueError(f"device 'cpu' has no index {index}")
        object.__setattr__(self, "type", kind)
        object.__setattr__(self, "index", None if kind == "cpu" else index)

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __repr__(self) -> str:
        if self.index is None:
            return f"device(type='{self.type}')"
        return f"device(type='{self.type}', index={self.index})"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, str):
            try:
                other = device(other)
            except ValueError:
                return False
        if not isinstance(other, device):
            return NotImplemented
        return self.type == other.type and (self.index or 0) == (other.index or 0)

    def __hash__(self) -> int:
        return hash((self.type, self.index or 0))


DeviceLike = "str | device | None"
CPU = device("cpu")


def parse_device(spec: str | device | None) -> device:
    """Turn ``None``/``'cpu'``/``'cuda:N'``/a device into a device (None means CPU)."""
    if spec is None:
        return CPU
    if isinstance(spec, device):
        return spec
    if isinstance(spec, int):
        return device("cuda", spec)
    return device(spec)


def get_array_module(*arrays: Array) -> ModuleType:
    """numpy for numpy arrays and scalars, cupy for cupy arrays (the chainer ``xp`` idiom)."""
    for array in arrays:
        if type(array) is np.ndarray:
            continue
        if _cupy is not None and isinstance(array, _cupy.ndarray):
            return _cupy
    return np


def device_of(array: Array) -> device:
    """The device an array lives on."""
    if type(array) is np.ndarray or isinstance(array, (np.generic, np.ndarray)):
        return CPU
    if _cupy is not None and isinstance(array, _cupy.ndarray):
        return device("cuda", array.device.id)
    return CPU


def array_module_for(dev: device) -> ModuleType:
    """numpy for the CPU, cupy for a GPU (raising a clear error when cupy is unusable)."""
    return np if dev.type == "cpu" else cupy_module()


def to_device(array: Array, dev: device) -> Array:
    """Move an array to ``dev``, returning it unchanged when it is already there."""
    if dev.type == "cpu":
        if type(array) is np.ndarray:
            return array
        if _cupy is not None and isinstance(array, _cupy.ndarray):
            return _cupy.asnumpy(array)
        return np.asarray(array)
    cupy = cupy_module()
    index = dev.index or 0
    if isinstance(array, cupy.ndarray) and array.device.id == index:
        return array
    with cupy.cuda.Device(index):
        return cupy.asarray(array)


def to_numpy(array: Array) -> np.ndarray:
    """A numpy view or copy of any backend array."""
    return to_device(array, CPU)


def is_array(value: object) -> bool:
    """True for a numpy or cupy ndarray."""
    if isinstance(value, np.ndarray):
        return True
    return _cupy is not None and isinstance(value, _cupy.ndarray)


def check_same_device(op_name: str, arrays: Any) -> None:
    """Raise a clear error when one op mixes arrays from different devices."""
    seen: device | None = None
    for array in arrays:
        if not is_array(array):
            continue
        where = device_of(array)
        if seen is None:
            seen = where
        elif where != seen:
            raise RuntimeError(
                f"{op_name}: expected all tensors to be on the same device, but found at least "
                f"two devices, {seen} and {where}; move them with .to(device) first"
            )


def synchronize(dev: str | device | None = None) -> None:
    """Wait for queued GPU work on ``dev`` (no-op on the CPU); for timing."""
    target = parse_device(dev) if dev is not None else None
    if target is not None and target.type == "cpu":
        return
    cupy = _load_cupy()
    if cupy is not None:
        cupy.cuda.Device((target.index or 0) if target else 0).synchronize()


# -- special functions ------------------------------------------------------------------

# xp -> its exact erf (or None); filled on first use so that ``import nettrain`` does not
# import scipy (~150 ms) for a function only GELU needs.
_ERF: dict[str, Any] = {}


def erf_function(xp: ModuleType) -> Any:
    """The library erf for ``xp``: scipy's for numpy, cupyx's for cupy; None if missing.

    Callers fall back to a series written with array functions when this is None.
    """
    key = xp.__name__
    if key not in _ERF:
        _ERF[key] = _load_erf(xp)
    return _ERF[key]


def _load_erf(xp: ModuleType) -> Any:
    try:
        if xp is np:
            from scipy.special import erf
        else:  # cupy: one elementwise kernel instead of a series of masked kernels
            from cupyx.scipy.special import erf
    except ImportError:
        return None
    return erf
