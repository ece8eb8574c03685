"""Flatten parameters into one vector and back (for second-order methods, evolution...)."""

from __future__ import annotations

from collections.abc import Iterable

from nettrain import functions as _fn
from nettrain.tensor import Tensor

__all__ = ["parameters_to_vector", "vector_to_parameters"]


def parameters_to_vector(parameters: Iterable[Tensor]) -> Tensor:
    """Concatenate every parameter, flattened, into one 1-D tensor (differentiable)."""
    params = list(parameters)
    if not params:
        raise RuntimeError("parameters_to_vector: expected at least one parameter")
    device = params[0].device
    for p in params:
        if p.device != device:
            raise TypeError(
                "Found two parameters on different devices, this is currently not supported."
            )
    return _fn.cat([p.reshape(-1) for p in params])


def vector_to_parameters(vec: Tensor, parameters: Iterable[Tensor]) -> None:
    """Point each parameter's data at its slice of ``vec`` (the parameters then share it)."""
    if not isinstance(vec, Tensor):
        raise TypeError(f"expected nettrain.Tensor, but got: {type(vec).__name__}")
    params = list(parameters)
    total = sum(p.numel() for p in params)
    if vec.ndim != 1 or vec.numel() != total:
        raise RuntimeError(
            f"vector_to_parameters: vec of shape {tuple(vec.shape)} does not hold the "
            f"{total} values of the parameters; expected shape ({total},)"
        )
    pointer = 0
    for p in params:
        n = p.numel()
        p.data = vec._data[pointer : pointer + n].reshape(p.shape)
        pointer += n
