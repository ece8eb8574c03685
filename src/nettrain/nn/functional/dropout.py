"""nn.functional: ``dropout`` (seeded through ``nettrain.random``)."""

from __future__ import annotations

from typing import Any

import numpy as np

from nettrain.backend import get_array_module
from nettrain.random import default_generator
from nettrain.tensor import Tensor

__all__ = ["dropout"]


def _check_p(p: float) -> None:
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def _keep_mask(xp: Any, shape: tuple[int, ...], p: float, dtype: Any) -> Any:
    """1 where an element is kept, 0 where dropped, in ``dtype`` on ``xp``'s device.

    On the CPU the uniforms come from nettrain's generator itself. On a GPU they are drawn
    on the device by a generator seeded with one number from nettrain's generator: no
    mask crosses the bus, and the masks still follow ``manual_seed`` and the RNG state a
    checkpoint saves, so a resumed run draws the same masks on the same device.
    """
    if xp is np:
        return (default_generator.random(shape) >= p).astype(dtype)
    seed = int(default_generator.integers(0, 2**63 - 1, ()))
    uniform_dtype = np.float64 if dtype == np.float64 else np.float32
    uniforms = xp.random.default_rng(seed).random(shape, dtype=uniform_dtype)
    return (uniforms >= p).astype(dtype)


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
    xp = get_array_module(data)
    if p == 1.0:
        mask = xp.zeros_like(data)
    else:
        mask = _keep_mask(xp, tuple(input.shape), p, data.dtype)
        mask *= mask.dtype.type(1.0 / (1.0 - p))
    scale = Tensor._make(mask)
    if inplace:
        return input.mul_(scale)
    return input * scale
