"""nn.functional: ``dropout`` (seeded through ``nettrain.random``)."""

from __future__ import annotations

from nettrain.backend import get_array_module, to_device
from nettrain.random import default_generator
from nettrain.tensor import Tensor

__all__ = ["dropout"]


def _check_p(p: float) -> None:
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def dropout(
    input: Tensor,  # noqa: A002
    p: float = 0.5,
    training: bool = True,
    inplace: bool = False,
) -> Tensor:
    """Zero each element with probability ``p`` and scale the rest by 1/(1-p) (training only).

    Example:
        >>> nettrain.manual_seed(0)
        >>> F.dropout(nettrain.ones(4), p=0.5)  # doctest: +SKIP
        tensor([2., 0., 2., 2.])
    """
    _check_p(p)
    if not training or p == 0.0:
        return input
    data = input._data
    if p == 1.0:
        mask = get_array_module(data).zeros_like(data)
    else:
        keep = default_generator.random(tuple(input.shape)) >= p
        mask = to_device(keep.astype(data.dtype) * (1.0 / (1.0 - p)), input.device)
    scale = Tensor._make(mask)
    if inplace:
        return input.mul_(scale)
    return input * scale
