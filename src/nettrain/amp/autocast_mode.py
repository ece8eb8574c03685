"""``autocast``: accepted so mixed-precision programs run, computing in full precision.

nettrain has no per-op precision policy (and numpy/cupy no bfloat16), so inside
``autocast`` every op keeps its inputs' dtype: a float32 model computes in float32, as
PyTorch does with autocast disabled. The region is still tracked, so
``is_autocast_enabled()`` answers as in PyTorch.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable
from typing import Any, TypeVar

_F = TypeVar("_F", bound=Callable[..., Any])

# device type -> [enabled, dtype] of the innermost active autocast region
_state: dict[str, list[Any]] = {}
_warned = [False]


class autocast:  # noqa: N801 - PyTorch's public name
    """``torch.autocast(device_type, dtype=None, enabled=True, cache_enabled=None)``.

    A context manager and decorator that records the region and changes no dtype.

    Example:
        >>> with autocast("cuda", dtype=nettrain.float16):
        ...     logits = model(x)  # computed in the model's own dtype (float32)
    """

    def __init__(
        self,
        device_type: str,
        dtype: Any = None,
        enabled: bool = True,
        cache_enabled: bool | None = None,
    ) -> None:
        if not isinstance(device_type, str):
            raise ValueError(
                f"Expected `device_type` of type `str`, got: `{type(device_type).__name__}`"
            )
        self.device = device_type
        self.fast_dtype = dtype
        self._enabled = bool(enabled)

    def __enter__(self) -> None:
        if self._enabled and not _warned[0]:
            _warned[0] = True
            warnings.warn(
                "autocast: nettrain has no mixed precision; ops inside autocast compute in "
                "their inputs' dtype (float32 stays float32)",
                stacklevel=2,
            )
        self._previous = _state.get(self.device)
        _state[self.device] = [self._enabled, self.fast_dtype]

    def __exit__(self, *exc: object) -> None:
        if self._previous is None:
            _state.pop(self.device, None)
        else:
            _state[self.device] = self._previous

    def __call__(self, func: _F) -> _F:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with autocast(self.device, self.fast_dtype, self._enabled):
                return func(*args, **kwargs)

        return wrapper  # type: ignore[return-value]


def is_autocast_enabled(device_type: str = "cuda") -> bool:
    """True inside an enabled ``autocast`` region for ``device_type``."""
    return bool(_state.get(device_type, [False])[0])
