"""The torch namespace's switches (``nt.compile``, matmul precision, determinism,
threads): accepted and recorded; nettrain runs eagerly and deterministically anyway.
"""

from __future__ import annotations

import os
import warnings
from typing import Any

_MATMUL_PRECISIONS = ("highest", "high", "medium")
_settings: dict[str, Any] = {
    "matmul_precision": "highest",
    "deterministic": False,
    "num_threads": None,
}


def compile(  # noqa: A001 - PyTorch's name
    model: Any = None,
    *,
    fullgraph: bool = False,
    dynamic: bool | None = None,
    backend: Any = "inductor",
    mode: str | None = None,
    options: dict[str, Any] | None = None,
    disable: bool = False,
    **kwargs: Any,
) -> Any:
    """Return ``model`` unchanged: nettrain runs eagerly and has no compiler.

    Accepts PyTorch's arguments so ``model = torch.compile(model)`` and the decorator
    forms ``@torch.compile`` / ``@torch.compile(mode=...)`` keep working.
    """
    if model is None:
        return lambda fn: fn
    return model


def set_float32_matmul_precision(precision: str) -> None:
    """Record the float32 matmul precision; nettrain always computes in full float32.

    An unknown value warns and changes nothing, as in PyTorch.
    """
    if precision not in _MATMUL_PRECISIONS:
        warnings.warn(
            f"{precision} is not one of 'highest', 'high', or 'medium'; the "
            "set_float32_matmul_precision call has no effect.",
            stacklevel=2,
        )
        return
    _settings["matmul_precision"] = precision


def get_float32_matmul_precision() -> str:
    """The value last given to ``set_float32_matmul_precision`` ('highest' by default)."""
    return _settings["matmul_precision"]


def use_deterministic_algorithms(mode: bool, *, warn_only: bool = False) -> None:
    """Record the flag: nettrain's ops are deterministic already."""
    _settings["deterministic"] = bool(mode)


def are_deterministic_algorithms_enabled() -> bool:
    """The value last given to ``use_deterministic_algorithms``."""
    return _settings["deterministic"]


def set_num_threads(int: int) -> None:  # noqa: A002 - PyTorch's argument name
    """Record the intra-op thread count; numpy's BLAS threads are set by its environment
    variables (``OPENBLAS_NUM_THREADS``, ``OMP_NUM_THREADS``) before it loads."""
    if int < 1:
        raise RuntimeError(f"set_num_threads expects a positive integer, got {int}")
    _settings["num_threads"] = int


def get_num_threads() -> int:
    """The value given to ``set_num_threads``, else the number of CPUs."""
    return _settings["num_threads"] or os.cpu_count() or 1
