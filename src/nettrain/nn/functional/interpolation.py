"""``interpolate``: nearest and (bi/tri)linear resizing of 3-D, 4-D and 5-D inputs.

Resizing is separable, so each spatial axis is done on its own. Nearest reads one input
position per output position (one gather over the open grid of all axes); linear modes
read two neighbours per axis and blend them, ``x[i0] * (1 - w) + x[i1] * w``. Both are
built from differentiable indexing and arithmetic, so gradients (of any order) come from
autograd and the cost stays linear in the output size. Source coordinates follow
PyTorch's formulas and arithmetic precision, so the chosen neighbours agree exactly.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from nettrain.backend import device_of, to_device
from nettrain.nn.functional.adaptive_pooling import adaptive_avg_pool1d
from nettrain.nn.functional.pooling import adaptive_avg_pool2d
from nettrain.ops.indexing import GetItem
from nettrain.tensor import Tensor

__all__ = ["interpolate"]

_LINEAR = {"linear": 3, "bilinear": 4, "trilinear": 5}
_MODES = ("nearest", "nearest-exact", "area", *_LINEAR)


def _per_axis(value: Any, count: int, name: str, spatial: tuple[int, ...]) -> list[Any]:
    if not isinstance(value, (list, tuple)):
        return [value] * count
    if len(value) != count:
        raise ValueError(
            f"Input and {name} must have the same number of spatial dimensions, but got "
            f"input with spatial dimensions of {list(spatial)} and {name} of {tuple(value)}. "
            "Please provide input tensor in (N, C, d1, d2, ...,dK) format and "
            f"{name} in (o1, o2, ...,oK) format."
        )
    return list(value)


def _sizes_and_scales(
    input: Tensor,  # noqa: A002
    size: Any,
    scale_factor: Any,
    recompute_scale_factor: bool | None,
) -> tuple[list[int], list[float | None]]:
    """Output size per axis, and the scale PyTorch's kernels use (None: in/out)."""
    spatial = tuple(input.shape[2:])
    count = len(spatial)
    if size is not None and scale_factor is not None:
        raise ValueError("only one of size or scale_factor should be defined")
    if size is not None:
        if recompute_scale_factor:
            raise ValueError("recompute_scale_factor is not meaningful with an explicit size.")
        sizes = [int(s) for s in _per_axis(size, count, "output size", spatial)]
        scales: list[float | None] = [None] * count
    elif scale_factor is not None:
        factors = [float(f) for f in _per_axis(scale_factor, count, "scale_factor", spatial)]
        sizes = [math.floor(n * f) for n, f in zip(spatial, factors)]
        scales = [None] * count if recompute_scale_factor else list(factors)
    else:
        raise ValueError("either size or scale_factor should be defined")
    if min(sizes) < 1:
        raise RuntimeError(
            f"Input and output sizes should be greater than 0, but got input {list(spatial)} "
            f"output {sizes}"
        )
    return sizes, scales


def _ratio(n_in: int, n_out: int, scale: float | None, dtype: Any) -> Any:
    """PyTorch's ``compute_scales_value``: 1/scale_factor when one was given, else in/out."""
    return dtype(1.0 / scale) if scale is not None and scale > 0 else dtype(n_in) / dtype(n_out)


def _nearest_index(n_in: int, n_out: int, scale: float | None, exact: bool) -> np.ndarray:
    """Source position of each output position (float32 arithmetic, as PyTorch's kernel)."""
    ratio = _ratio(n_in, n_out, scale, np.float32)
    position = np.arange(n_out, dtype=np.float32) + np.float32(0.5 if exact else 0.0)
    return np.minimum(np.floor(position * ratio).astype(np.int64), n_in - 1)


def _linear_taps(
    n_in: int, n_out: int, scale: float | None, align_corners: bool, dtype: Any
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(left neighbour, right neighbour, weight of the right one) for each output position."""
    position = np.arange(n_out, dtype=dtype)
    if align_corners:
        ratio = dtype(n_in - 1) / dtype(n_out - 1) if n_out > 1 else dtype(0)
        source = position * ratio
    else:
        ratio = _ratio(n_in, n_out, scale, dtype)
        source = np.maximum((position + dtype(0.5)) * ratio - dtype(0.5), dtype(0))
    left = source.astype(np.int64)  # source >= 0, so truncation is floor
    right = np.minimum(left + 1, n_in - 1)
    weight = np.clip(source - left, 0, 1).astype(dtype)
    return left, right, weight


def _take(x: Tensor, axis: int, index: np.ndarray) -> Tensor:
    where = (slice(None),) * axis + (to_device(index, device_of(x._data)),)
    return GetItem.apply(x, where)


def _linear(
    input: Tensor,  # noqa: A002
    sizes: list[int],
    scales: list[float | None],
    align_corners: bool,
) -> Tensor:
    out = input
    dtype = np.float64 if input.dtype.itemsize == 8 else np.float32
    for k, (n_out, scale) in enumerate(zip(sizes, scales)):
        axis = 2 + k
        n_in = out.shape[axis]
        if n_in == n_out and (align_corners or scale in (None, 1.0)):
            continue  # the identity: every output position lands on an input position
        left, right, weight = _linear_taps(n_in, n_out, scale, align_corners, dtype)
        shape = (n_out,) + (1,) * (out.dim() - axis - 1)
        w = Tensor._make(to_device(weight.reshape(shape), device_of(out._data)))
        near = _take(out, axis, left)
        out = near + (_take(out, axis, right) - near) * w
    return out.clone() if out is input else out


def _area(input: Tensor, sizes: list[int]) -> Tensor:  # noqa: A002
    if input.dim() == 3:
        return adaptive_avg_pool1d(input, sizes[0])
    if input.dim() == 4:
        return adaptive_avg_pool2d(input, tuple(sizes))
    raise NotImplementedError(
        "interpolate: mode='area' supports 3D and 4D input here; for 5D input use "
        "mode='trilinear' or pool each depth slice with F.adaptive_avg_pool2d"
    )


def interpolate(
    input: Tensor,  # noqa: A002
    size: int | Sequence[int] | None = None,
    scale_factor: float | Sequence[float] | None = None,
    mode: str = "nearest",
    align_corners: bool | None = None,
    recompute_scale_factor: bool | None = None,
    antialias: bool = False,
) -> Tensor:
    """Resize the spatial dimensions of ``(N, C, d1, ...)`` input to ``size`` or by a factor.

    Example:
        >>> F.interpolate(nettrain.arange(4.0).reshape(1, 1, 4), scale_factor=0.5)
        tensor([[[0., 2.]]])
    """
    if mode == "bicubic":
        raise NotImplementedError("interpolate: mode='bicubic' is not implemented; use 'bilinear'")
    if mode not in _MODES or input.dim() not in (3, 4, 5):
        raise NotImplementedError(
            f"Input Error: Only 3D, 4D and 5D input Tensors supported (got {input.dim()}D) "
            f"for the modes: {' | '.join(_MODES)} (got {mode})"
        )
    if align_corners is not None and mode not in _LINEAR:
        raise ValueError(
            "align_corners option can only be set with the interpolating modes: "
            "linear | bilinear | bicubic | trilinear"
        )
    if mode in _LINEAR and input.dim() != _LINEAR[mode]:
        raise NotImplementedError(
            f"Got {input.dim()}D input, but {mode} mode needs {_LINEAR[mode]}D input"
        )
    if antialias:
        raise NotImplementedError(
            "interpolate: antialias=True is not implemented; use antialias=False (for "
            "downsampling, F.avg_pool2d or mode='area' smooth first)"
        )
    sizes, scales = _sizes_and_scales(input, size, scale_factor, recompute_scale_factor)
    if mode == "area":
        return _area(input, sizes)
    if mode in _LINEAR:
        if not input.dtype.is_floating_point:
            raise NotImplementedError(
                f"interpolate: mode={mode!r} needs a floating point input, got {input.dtype}"
            )
        return _linear(input, sizes, scales, bool(align_corners))
    spatial = tuple(input.shape[2:])
    exact = mode == "nearest-exact"
    axes = [_nearest_index(n, o, s, exact) for n, o, s in zip(spatial, sizes, scales)]
    device = device_of(input._data)
    index = (Ellipsis, *(to_device(g, device) for g in np.ix_(*axes)))
    return GetItem.apply(input, index)
