"""Adaptive pooling to a fixed output size: ``adaptive_avg_pool1d`` and adaptive max pooling.

PyTorch's adaptive bins are ``[floor(i*n/o), ceil((i+1)*n/o))``: they differ in length by
at most one and may overlap. Max pooling gathers every bin into a fixed-width window
(short bins repeat their last element, which leaves the maximum unchanged) and takes the
maximum over the window, so values, the gradient (to each bin's first maximum) and
``return_indices`` all come from indexing and ``max``, with no loop over positions.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from nettrain.backend import device_of, get_array_module, to_device
from nettrain.errors import ShapeError
from nettrain.nn.functional.pooling import adaptive_avg_pool2d
from nettrain.ops.indexing import GetItem
from nettrain.tensor import Tensor

__all__ = ["adaptive_avg_pool1d", "adaptive_max_pool1d", "adaptive_max_pool2d"]


def _check_rank(name: str, input: Tensor, spatial: int) -> None:  # noqa: A002
    if input.dim() not in (spatial + 1, spatial + 2):
        raise ShapeError(
            f"{name}: expected {spatial + 1}D (unbatched) or {spatial + 2}D (batched) input, "
            f"got input of shape {tuple(input.shape)}"
        )


def _output_sizes(name: str, output_size: Any, sizes: tuple[int, ...]) -> tuple[int, ...]:
    """One output length per spatial axis; None keeps the input's length."""
    if output_size is None or isinstance(output_size, int):
        output_size = (output_size,) * len(sizes)
    if len(output_size) != len(sizes):
        raise ValueError(
            f"{name}: output_size must be an int or a tuple of {len(sizes)}, got {output_size!r}"
        )
    out = tuple(n if o is None else int(o) for n, o in zip(sizes, output_size))
    if min(out) < 0:
        raise ValueError(f"{name}: output_size must be non-negative, got {output_size!r}")
    return out


def _bin_windows(size: int, out: int) -> np.ndarray:
    """(out, width) input positions of each adaptive bin, short bins padded by repetition."""
    index = np.arange(out)
    start = (index * size) // out
    end = -((-(index + 1) * size) // out)  # ceil((i + 1) * size / out) in integers
    width = int((end - start).max()) if out else 1
    return np.minimum(start[:, None] + np.arange(width), end[:, None] - 1)


def _adaptive_max(
    name: str,
    input: Tensor,  # noqa: A002
    output_size: Any,
    return_indices: bool,
    spatial: int,
) -> Any:
    _check_rank(name, input, spatial)
    if not input.dtype.is_floating_point:
        raise NotImplementedError(f'"{name}" not implemented for {input.dtype}: use a float input')
    sizes = tuple(input.shape[-spatial:])
    out = _output_sizes(name, output_size, sizes)
    windows = [_bin_windows(n, o) for n, o in zip(sizes, out)]
    if spatial == 1:
        (positions,) = grid = (windows[0],)
    else:  # (oh, ow, kh, kw): rows vary with (oh, kh), columns with (ow, kw)
        grid = (windows[0][:, None, :, None], windows[1][None, :, None, :])
        positions = grid[0] * sizes[1] + grid[1]
    width = math.prod(w.shape[1] for w in windows)
    device = device_of(input._data)
    gathered = GetItem.apply(input, (Ellipsis, *(to_device(g, device) for g in grid)))
    values, which = gathered.reshape(*gathered.shape[: input.dim()], width).max(dim=-1)
    if not return_indices:
        return values
    # The flat input position of each window slot, then the slot max() picked.
    table = to_device(positions.reshape(*out, width), device)
    picked = which._data[..., None]
    xp = get_array_module(picked)
    full = xp.broadcast_to(table, (*picked.shape[:-1], width))
    indices = xp.take_along_axis(full, picked, axis=-1)[..., 0].astype(np.int64)
    return values, Tensor._make(indices)


def adaptive_max_pool1d(
    input: Tensor,  # noqa: A002
    output_size: Any,
    return_indices: bool = False,
) -> Any:
    """Maximum over each of ``output_size`` adaptive bins of ``(N, C, L)`` or ``(C, L)``.

    Example:
        >>> F.adaptive_max_pool1d(nettrain.tensor([[1.0, 5.0, 2.0, 4.0]]), 2)
        tensor([[5., 4.]])
    """
    return _adaptive_max("adaptive_max_pool1d", input, output_size, return_indices, 1)


def adaptive_max_pool2d(
    input: Tensor,  # noqa: A002
    output_size: Any,
    return_indices: bool = False,
) -> Any:
    """Maximum over adaptive bins of ``(N, C, H, W)`` or ``(C, H, W)`` (None keeps a size)."""
    return _adaptive_max("adaptive_max_pool2d", input, output_size, return_indices, 2)


def adaptive_avg_pool1d(input: Tensor, output_size: Any) -> Tensor:  # noqa: A002
    """Average over each of ``output_size`` adaptive bins of ``(N, C, L)`` or ``(C, L)``.

    Example:
        >>> F.adaptive_avg_pool1d(nettrain.tensor([[1.0, 3.0, 2.0, 4.0]]), 2)
        tensor([[2., 3.]])
    """
    _check_rank("adaptive_avg_pool1d", input, 1)
    (size,) = _output_sizes("adaptive_avg_pool1d", output_size, (input.shape[-1],))
    return adaptive_avg_pool2d(input.unsqueeze(-2), (1, size)).squeeze(-2)
