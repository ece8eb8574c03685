"""Gradient clipping, applied in place to ``.grad`` between backward and the optimizer step."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np

from nettrain.backend import get_array_module
from nettrain.tensor import Tensor

__all__ = ["clip_grad_norm_", "clip_grad_value_"]


def _grads(parameters: Tensor | Iterable[Tensor]) -> list[Tensor]:
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    return [p.grad for p in parameters if p.grad is not None]


def _norm(data: object, norm_type: float) -> float:
    xp = get_array_module(data)
    if norm_type == math.inf:
        return float(xp.abs(data).max()) if data.size else 0.0
    if norm_type == 2.0:
        flat = data.reshape(-1)
        return math.sqrt(float(flat @ flat))
    return float((xp.abs(data) ** norm_type).sum()) ** (1.0 / norm_type)


def clip_grad_norm_(
    parameters: Tensor | Iterable[Tensor],
    max_norm: float,
    norm_type: float = 2.0,
    error_if_nonfinite: bool = False,
    foreach: bool | None = None,
) -> Tensor:
    """Scale all gradients together so that their joint norm is at most ``max_norm``.

    Returns:
        The joint norm before clipping (a 0-d tensor).

    Example:
        >>> total = clip_grad_norm_(model.parameters(), max_norm=1.0)
    """
    grads = _grads(parameters)
    norm_type = float(norm_type)
    if not grads:
        return Tensor._make(get_array_module().asarray(0.0, dtype="float32"))
    xp = get_array_module(grads[0]._data)
    if xp is not np:  # a GPU: keep every number on the device (no sync per parameter)
        total = _clip_on_device(xp, grads, float(max_norm), norm_type, error_if_nonfinite)
        return Tensor._make(total)
    norms = [_norm(g._data, norm_type) for g in grads]
    if norm_type == math.inf:
        total = max(norms)
    else:
        total = sum(n**norm_type for n in norms) ** (1.0 / norm_type)
    if error_if_nonfinite and not math.isfinite(total):
        raise RuntimeError(_NONFINITE.format(norm_type))
    coef = float(max_norm) / (total + 1e-6)
    if coef < 1.0 or math.isnan(coef):  # on the CPU, skip the pass when nothing clips
        for g in grads:
            g._data *= coef  # a Python float keeps float32 gradients float32
            g._vc[0] += 1
    return Tensor._make(xp.asarray(total, dtype=grads[0]._data.dtype))


_NONFINITE = (
    "The total norm of order {} for gradients from `parameters` is non-finite, so it "
    "cannot be clipped. To disable this error and scale the gradients by the non-finite "
    "norm anyway, set `error_if_nonfinite=False`"
)


def _clip_on_device(
    xp: Any, grads: list[Tensor], max_norm: float, norm_type: float, error_if_nonfinite: bool
) -> Any:
    """PyTorch's formulation: every gradient times min(max_norm / (norm + 1e-6), 1), with
    the norm and the factor as device scalars, so nothing is read back to the host
    (unless ``error_if_nonfinite`` asks)."""
    dtype = grads[0]._data.dtype
    if norm_type == math.inf:
        norms = xp.stack([xp.abs(g._data).max().astype(dtype) for g in grads])
        total = norms.max()
    else:
        norms = xp.stack([(xp.abs(g._data) ** norm_type).sum().astype(dtype) for g in grads])
        total = norms.sum() ** (1.0 / norm_type)
    if error_if_nonfinite and not bool(xp.isfinite(total)):
        raise RuntimeError(_NONFINITE.format(norm_type))
    coef = xp.minimum(max_norm / (total + 1e-6), 1.0).astype(dtype)
    for g in grads:
        g._data *= coef
        g._vc[0] += 1
    return total


def clip_grad_value_(
    parameters: Tensor | Iterable[Tensor], clip_value: float, foreach: bool | None = None
) -> None:
    """Clamp every gradient element to [-clip_value, clip_value]."""
    value = float(clip_value)
    for g in _grads(parameters):
        xp = get_array_module(g._data)
        xp.clip(g._data, -value, value, out=g._data)
        g._vc[0] += 1
