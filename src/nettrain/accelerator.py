"""``nettrain.accelerator``: the device-agnostic accelerator queries of recent PyTorch.

nettrain's one accelerator is CUDA (through cupy), so these answer for it.
"""

from __future__ import annotations

from typing import Any

from nettrain import cuda as _cuda
from nettrain.backend import device as _device


def is_available() -> bool:
    """True when a CUDA GPU is usable."""
    return _cuda.is_available()


def current_accelerator(check_available: bool = False) -> _device | None:
    """``device('cuda')`` when a GPU is usable, else None."""
    return _device("cuda") if _cuda.is_available() else None


def device_count() -> int:
    """Number of visible GPUs."""
    return _cuda.device_count()


def current_device_index() -> int:
    """Index of the current GPU."""
    return _cuda.current_device()


def set_device_index(device: Any) -> None:
    """Make ``device`` the current GPU."""
    _cuda.set_device(device)


def synchronize(device: Any = None) -> None:
    """Wait for the GPU's queued work."""
    _cuda.synchronize(device)
