"""nn.functional: ``dropout`` and channel-wise ``dropout1d/2d/3d`` (seeded via ``nettrain.random``).

Channel dropout draws one keep/drop decision per (sample, channel) and broadcasts it over
the spatial dimensions, so whole feature maps are zeroed together.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from nettrain.backend import get_array_module
from nettrain.random import default_generator
from nettrain.tensor import Tensor

__all__ = ["dropout", "dropout1d", "dropout2d", "dropout3d"]


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


def _channel_dropout(
    input: Tensor,  # noqa: A002
    p: float,
    training: bool,
    inplace: bool,
    batched: bool,
) -> Tensor:
    """Zero whole channels: one mask entry per (N, C) (or per C unbatched), broadcast."""
    _check_p(p)
    if not training or p == 0.0:
        return input
    data = input._data
    xp = get_array_module(data)
    lead = 2 if batched else 1
    shape = tuple(input.shape[:lead]) + (1,) * (input.dim() - lead)
    if p == 1.0:
        mask = xp.zeros(shape, dtype=data.dtype)
    else:
        mask = _keep_mask(xp, shape, p, data.dtype)
        mask *= mask.dtype.type(1.0 / (1.0 - p))
    scale = Tensor._make(mask)
    if inplace:
        return input.mul_(scale)
    return input * scale


def _deprecated_rank(name: str, dim: int, spatial: int) -> None:
    warnings.warn(
        f"{name}: Received a {dim}-D input to {name}, which is deprecated and will result in "
        f"an error in a future release. To retain the behavior and silence this warning, "
        f"please use dropout instead. Note that {name} exists to provide channel-wise dropout "
        f"on inputs with {spatial} spatial dimensions, a channel dimension, and an optional "
        f"batch dimension (i.e. {spatial + 1}D or {spatial + 2}D inputs).",
        UserWarning,
        stacklevel=3,
    )


def dropout1d(
    input: Tensor,  # noqa: A002
    p: float = 0.5,
    training: bool = True,
    inplace: bool = False,
) -> Tensor:
    """Zero whole channels of ``(N, C, L)`` or ``(C, L)`` input with probability ``p``.

    Example:
        >>> F.dropout1d(nettrain.ones(2, 3, 4), p=0.5, training=False).shape
        (2, 3, 4)
    """
    if input.dim() not in (2, 3):
        raise RuntimeError(
            f"dropout1d: Expected 2D or 3D input, but received a {input.dim()}D input. Note "
            "that dropout1d exists to provide channel-wise dropout on inputs with 1 spatial "
            "dimension, a channel dimension, and an optional batch dimension (i.e. 2D or 3D "
            "inputs)."
        )
    return _channel_dropout(input, p, training, inplace, batched=input.dim() == 3)


def dropout2d(
    input: Tensor,  # noqa: A002
    p: float = 0.5,
    training: bool = True,
    inplace: bool = False,
) -> Tensor:
    """Zero whole channels of ``(N, C, H, W)`` input with probability ``p``.

    As PyTorch today, a 3-D input is read as ``(N, C, L)`` (with a warning), not as an
    unbatched ``(C, H, W)``.
    """
    if input.dim() == 3:
        warnings.warn(
            "dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D "
            "dropout behavior is desired - input is interpreted as shape (N, C, L), where C "
            "is the channel dim. This behavior will change in a future release to interpret "
            "the input as one without a batch dimension, i.e. shape (C, H, W). To maintain "
            "the 1D channel-wise dropout behavior, please switch to using dropout1d instead.",
            UserWarning,
            stacklevel=2,
        )
    elif input.dim() != 4:
        _deprecated_rank("dropout2d", input.dim(), 2)
    return _channel_dropout(input, p, training, inplace, batched=True)


def dropout3d(
    input: Tensor,  # noqa: A002
    p: float = 0.5,
    training: bool = True,
    inplace: bool = False,
) -> Tensor:
    """Zero whole channels of ``(N, C, D, H, W)`` or ``(C, D, H, W)`` input."""
    if input.dim() not in (4, 5):
        _deprecated_rank("dropout3d", input.dim(), 3)
    return _channel_dropout(input, p, training, inplace, batched=input.dim() != 4)
