"""``autocast``: run matrix products in float16 and precision-sensitive ops in float32.

Inside ``with nettrain.autocast("cuda"):`` (or ``"cpu"``) the ops that gain most from half
precision (matmul, linear, convolutions, attention) cast their float32 inputs to float16,
and the ops whose results degrade in half precision (softmax, log-softmax, normalisation
layers, losses, ``sum``-like reductions listed below) cast float16 inputs up to float32.
Parameters stay float32 ("master weights"): the casts are ordinary differentiable ops, so
gradients arrive in the parameters' own dtype. float64 tensors are never cast.

nettrain uses PyTorch's CUDA op lists on both devices, so a model computes the same on
the CPU (numpy's float16: slow but exact, useful for tests) as on a GPU. PyTorch's CPU
autocast keeps softmax and layer norm in half precision and defaults to bfloat16, which
numpy does not have.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from nettrain import dtypes as _dtypes

F = TypeVar("F", bound=Callable[..., Any])

_DEVICE_TYPES = ("cpu", "cuda")


class _State:
    """The active autocast dtype per device type (None: off). ``active`` is the fast check."""

    def __init__(self) -> None:
        self.dtype: dict[str, Any] = dict.fromkeys(_DEVICE_TYPES)
        self.active = False

    def refresh(self) -> None:
        self.active = any(v is not None for v in self.dtype.values())


STATE = _State()


class autocast:  # noqa: N801 - PyTorch's name
    """Context manager and decorator enabling mixed precision, as ``torch.autocast``.

    Args:
        device_type: ``"cuda"`` or ``"cpu"``: which tensors are autocast.
        dtype: the lower precision, ``nettrain.float16`` (the default on both devices;
            bfloat16 does not exist in numpy).
        enabled: False makes the block a no-op (handy for a ``precision`` switch).
        cache_enabled: accepted for PyTorch compatibility (casts are not cached).

    Example:
        >>> with nettrain.autocast("cuda"):
        ...     loss = loss_fn(model(x), y)      # matmuls in float16, loss in float32
        >>> scaler.scale(loss).backward()
    """

    def __init__(
        self,
        device_type: str,
        dtype: Any = None,
        enabled: bool = True,
        cache_enabled: bool | None = None,
    ) -> None:
        kind = str(device_type).split(":")[0]
        if kind not in _DEVICE_TYPES:
            raise RuntimeError(
                f"autocast: device_type must be 'cuda' or 'cpu', got {device_type!r}"
            )
        chosen = _dtypes.float16 if dtype is None else _dtypes.to_dtype(dtype)
        if chosen != _dtypes.float16:
            raise RuntimeError(
                f"autocast: dtype {chosen} is not supported; nettrain autocasts to "
                "nettrain.float16 (numpy and cupy have no bfloat16)"
            )
        self.device_type = kind
        self.fast_dtype = chosen
        self.enabled = bool(enabled)
        self._previous: list[Any] = []

    def __enter__(self) -> autocast:
        self._previous.append(STATE.dtype[self.device_type])
        STATE.dtype[self.device_type] = self.fast_dtype if self.enabled else None
        STATE.refresh()
        return self

    def __exit__(self, *exc: object) -> None:
        STATE.dtype[self.device_type] = self._previous.pop()
        STATE.refresh()

    def __call__(self, function: F) -> F:
        @functools.wraps(function)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with autocast(self.device_type, self.fast_dtype, self.enabled):
                return function(*args, **kwargs)

        return wrapper  # type: ignore[return-value]


def is_autocast_enabled(device_type: str = "cuda") -> bool:
    """True inside an enabled autocast block for ``device_type``."""
    return STATE.dtype.get(str(device_type).split(":")[0]) is not None


def get_autocast_dtype(device_type: str) -> Any:
    """The dtype autocast lowers to on ``device_type`` (float16)."""
    return STATE.dtype.get(str(device_type).split(":")[0]) or _dtypes.float16


def _eligible(value: Any, source: Any) -> bool:
    data = getattr(value, "_data", None)
    return data is not None and data.dtype == source


def _cast(values: tuple[Any, ...], source: Any, target: Any) -> tuple[Any, ...]:
    """Cast the Tensors among ``values`` whose dtype is ``source`` and whose device is
    autocast now; everything else passes unchanged."""
    out = []
    for value in values:
        if _eligible(value, source) and STATE.dtype[value.device.type] is not None:
            value = value.to(target)
        out.append(value)
    return tuple(out)


def to_lower(*values: Any) -> tuple[Any, ...]:
    """Inputs of a matmul-like op: float32 -> float16 when autocast is on for their device."""
    import numpy as np

    return _cast(values, np.dtype(np.float32), _dtypes.float16)


def to_float32(*values: Any) -> tuple[Any, ...]:
    """Inputs of a precision-sensitive op: float16 -> float32 when autocast is on."""
    import numpy as np

    return _cast(values, np.dtype(np.float16), _dtypes.float32)


def refuse_unsafe(name: str, *values: Any) -> None:
    """Ops PyTorch forbids under autocast (binary_cross_entropy on probabilities)."""
    if not STATE.active:
        return
    if any(getattr(v, "_data", None) is not None and STATE.dtype[v.device.type] for v in values):
        raise RuntimeError(
            f"{name} is unsafe to autocast: probabilities in float16 lose the precision "
            "the log needs. Use binary_cross_entropy_with_logits (nn.BCEWithLogitsLoss), "
            "which is safe, or run this op outside the autocast block."
        )
