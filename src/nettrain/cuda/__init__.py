"""``nettrain.cuda``: GPU queries and seeding, as ``torch.cuda``, over cupy.

nettrain draws every random number from its one CPU stream and moves it to the device,
so the CUDA seeding functions seed that stream: a seed gives the same numbers on both.
"""

from __future__ import annotations

from typing import Any

from nettrain import backend as _backend
from nettrain import random as _random


def is_available() -> bool:
    """True when cupy imports and a GPU is visible."""
    return _backend.cuda_is_available()


def device_count() -> int:
    """Number of visible GPUs (0 without cupy)."""
    if not is_available():
        return 0
    return int(_backend.cupy_module().cuda.runtime.getDeviceCount())


def current_device() -> int:
    """Index of the current GPU."""
    return int(_backend.cupy_module().cuda.runtime.getDevice())


def set_device(device: Any) -> None:
    """Make ``device`` (an index, ``'cuda:N'`` or a device) the current GPU."""
    index = device if isinstance(device, int) else (_backend.parse_device(device).index or 0)
    _backend.cupy_module().cuda.runtime.setDevice(index)


def get_device_name(device: Any = None) -> str:
    """The GPU's product name."""
    index = 0 if device is None else device
    if not isinstance(index, int):
        index = _backend.parse_device(index).index or 0
    props = _backend.cupy_module().cuda.runtime.getDeviceProperties(index)
    name = props["name"]
    return name.decode() if isinstance(name, bytes) else str(name)


def synchronize(device: Any = None) -> None:
    """Wait for the GPU's queued work (for timing); a no-op without a GPU."""
    if is_available():
        _backend.synchronize("cuda" if device is None else device)


def empty_cache() -> None:
    """Return cupy's cached, unused GPU memory to the driver."""
    if is_available():
        _backend.cupy_module().get_default_memory_pool().free_all_blocks()


def memory_allocated(device: Any = None) -> int:
    """Bytes held by tensors in cupy's memory pool (0 without a GPU)."""
    if not is_available():
        return 0
    return int(_backend.cupy_module().get_default_memory_pool().used_bytes())


def is_bf16_supported(including_emulation: bool = True) -> bool:
    """False: numpy and cupy have no bfloat16, so nettrain cannot compute in it."""
    return False


def manual_seed(seed: int) -> None:
    """Seed nettrain's random stream (the one every device draws from)."""
    _random.manual_seed(seed)


def manual_seed_all(seed: int) -> None:
    """Seed nettrain's random stream (the one every device draws from)."""
    _random.manual_seed(seed)


def seed() -> None:
    """Seed nettrain's random stream from OS entropy."""
    _random.seed()


def seed_all() -> None:
    """Seed nettrain's random stream from OS entropy."""
    _random.seed()


from nettrain.cuda import amp as amp  # noqa: E402 - torch.cuda.amp.GradScaler / autocast
