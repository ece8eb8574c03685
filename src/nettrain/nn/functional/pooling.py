"""Pooling: ``max_pool1d/2d``, ``avg_pool1d/2d`` and ``adaptive_avg_pool2d`` (PyTorch's signatures).

The 1-D pools are the 2-D ones over a height of one.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from nettrain.backend import device_of, get_array_module, to_device
from nettrain.errors import ShapeError
from nettrain.nn.functional.conv import _ntuple
from nettrain.ops import pooling as pool_ops
from nettrain.tensor import Tensor

__all__ = ["adaptive_avg_pool2d", "avg_pool1d", "avg_pool2d", "max_pool1d", "max_pool2d"]


def _check_input(name: str, input: Tensor) -> None:  # noqa: A002
    if input.dim() not in (3, 4):
        raise ShapeError(
            f"{name}: expected 3D (unbatched) or 4D (batched) input, got input of shape "
            f"{tuple(input.shape)}"
        )


def _out_len(size: int, k: int, s: int, p: int, d: int, ceil_mode: bool) -> int:
    """PyTorch's pooling output length, including its ceil_mode rule: the last window
    must start inside the input or the left padding."""
    span = size + 2 * p - d * (k - 1) - 1
    out = (span + (s - 1 if ceil_mode else 0)) // s + 1
    if ceil_mode and (out - 1) * s >= size + p:
        out -= 1
    return out


def _geometry(
    name: str,
    input: Tensor,
    kernel_size: Any,
    stride: Any,
    padding: Any,  # noqa: A002
    dilation: Any,
    ceil_mode: bool,
) -> tuple[Any, ...]:
    """(kernel, stride, pads incl. ceil_mode's extra bottom/right, dilation, out size)."""
    kernel = _ntuple(kernel_size, 2, "kernel_size")
    stride = kernel if stride is None or stride == [] else _ntuple(stride, 2, "stride")
    pad = _ntuple(padding, 2, "padding")
    dilation = _ntuple(dilation, 2, "dilation")
    for name, values in (("kernel_size", kernel), ("stride", stride), ("dilation", dilation)):
        if min(values) < 1:
            raise ValueError(f"{name} must be positive, got {name}={values}")
    for p, k, d in zip(pad, kernel, dilation):
        if p > (d * (k - 1) + 1) // 2:
            raise ValueError(
                f"{name}: pad should be at most half of effective kernel size, but got "
                f"pad={p}, kernel_size={k} and dilation={d}"
            )
    size = input.shape[-2:]
    out = tuple(
        _out_len(size[a], kernel[a], stride[a], pad[a], dilation[a], ceil_mode) for a in range(2)
    )
    if min(out) < 1:
        raise ShapeError(
            f"{name}: output size {out} is too small for input of shape {tuple(input.shape)} "
            f"with kernel_size={kernel}, stride={stride}, padding={pad}"
        )
    extra = [
        max((out[a] - 1) * stride[a] + dilation[a] * (kernel[a] - 1) + 1 - size[a] - 2 * pad[a], 0)
        for a in range(2)
    ]
    pads = (pad[0], pad[0] + extra[0], pad[1], pad[1] + extra[1])
    return kernel, stride, pads, dilation, out, pad


def max_pool2d(
    input: Tensor,  # noqa: A002
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    dilation: Any = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> Any:
    """Maximum over each window; with ``return_indices`` also each maximum's flat index.

    Example:
        >>> F.max_pool2d(nettrain.randn(1, 1, 4, 4), 2).shape
        (1, 1, 2, 2)
    """
    _check_input("max_pool2d", input)
    if input.dim() == 3:
        out = max_pool2d(
            input.unsqueeze(0), kernel_size, stride, padding, dilation, ceil_mode, return_indices
        )
        return tuple(o.squeeze(0) for o in out) if return_indices else out.squeeze(0)
    kernel, stride, pads, dilation, out, _ = _geometry(
        "max_pool2d", input, kernel_size, stride, padding, dilation, ceil_mode
    )
    return pool_ops.MaxPool2d.apply(input, kernel, stride, pads, dilation, out, return_indices)


def _divisor(
    size: tuple[int, int],
    kernel: tuple[int, ...],
    stride: tuple[int, ...],
    pad: tuple[int, ...],
    out: tuple[int, ...],
    count_include_pad: bool,
) -> Any:
    """PyTorch's per-window divisor: the window clipped to the padded (or real) input."""
    per_axis = []
    for a in range(2):
        start = np.arange(out[a]) * stride[a] - pad[a]
        end = np.minimum(start + kernel[a], size[a] + pad[a])
        if not count_include_pad:
            end = np.minimum(end, size[a])
            start = np.maximum(start, 0)
        per_axis.append(end - start)
    table = np.outer(per_axis[0], per_axis[1])
    first = int(table.flat[0])
    return float(first) if (table == first).all() else table


def avg_pool2d(
    input: Tensor,  # noqa: A002
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    divisor_override: int | None = None,
) -> Tensor:
    """Mean over each window (zero padding counts unless ``count_include_pad=False``)."""
    _check_input("avg_pool2d", input)
    if not input.dtype.is_floating_point:
        raise RuntimeError(f"avg_pool2d: expected a floating point input, got {input.dtype}")
    if input.dim() == 3:
        return avg_pool2d(
            input.unsqueeze(0),
            kernel_size,
            stride,
            padding,
            ceil_mode,
            count_include_pad,
            divisor_override,
        ).squeeze(0)
    kernel, stride, pads, _, out, pad = _geometry(
        "avg_pool2d", input, kernel_size, stride, padding, 1, ceil_mode
    )
    if divisor_override is not None:
        if divisor_override == 0:
            raise ValueError("avg_pool2d: divisor_override must be non-zero")
        divisor: Any = float(divisor_override)
    else:
        divisor = _divisor(tuple(input.shape[-2:]), kernel, stride, pad, out, count_include_pad)
    if not isinstance(divisor, float):  # windows clipped by padding: one divisor each
        divisor = get_array_module(input._data).asarray(divisor, dtype=input._data.dtype)
    geometry = (kernel, stride, pads, (1, 1), out, 0)
    return pool_ops.AvgPool2d.apply(input, geometry, divisor)


def _averaging_matrix(size: int, out: int) -> Any:
    """(out, size) rows averaging PyTorch's adaptive bins [floor(i*n/o), ceil((i+1)*n/o))."""
    matrix = np.zeros((out, size))
    for i in range(out):  # one row per output bin: O(out), not per element
        start, end = (i * size) // out, math.ceil((i + 1) * size / out)
        matrix[i, start:end] = 1.0 / (end - start)
    return matrix


def adaptive_avg_pool2d(input: Tensor, output_size: Any) -> Tensor:  # noqa: A002
    """Average pooling to a fixed output size; bins as in PyTorch (they may overlap).

    Separable: ``A_h @ x @ A_w^T`` with averaging matrices, or plain avg_pool2d when the
    size divides evenly.
    """
    _check_input("adaptive_avg_pool2d", input)
    if not input.dtype.is_floating_point:
        raise RuntimeError(
            f"adaptive_avg_pool2d: expected a floating point input, got {input.dtype}"
        )
    if isinstance(output_size, int) or output_size is None:
        output_size = (output_size, output_size)
    h, w = input.shape[-2:]
    oh = h if output_size[0] is None else int(output_size[0])
    ow = w if output_size[1] is None else int(output_size[1])
    if oh < 1 or ow < 1:
        raise ValueError(f"adaptive_avg_pool2d: output_size must be positive, got {output_size}")
    if h % oh == 0 and w % ow == 0:
        if (oh, ow) == (h, w):
            return input * 1.0
        return avg_pool2d(input, (h // oh, w // ow))
    dev = device_of(input._data)
    dtype = input._data.dtype
    rows = Tensor._make(to_device(_averaging_matrix(h, oh).astype(dtype), dev))
    cols = Tensor._make(to_device(_averaging_matrix(w, ow).T.astype(dtype), dev))
    return rows @ input @ cols


def _one(value: Any, name: str) -> int:
    """A 1-D pool's int or 1-tuple argument as an int."""
    if isinstance(value, int):
        return value
    values = tuple(value)
    if len(values) != 1:
        raise ValueError(f"{name} must be an int or a tuple of one int, got {value!r}")
    return int(values[0])


def _check_1d(name: str, input: Tensor) -> None:  # noqa: A002
    if input.dim() not in (2, 3):
        raise ShapeError(
            f"{name}: expected 2D (unbatched) or 3D (batched) input, got input of shape "
            f"{tuple(input.shape)}"
        )


def max_pool1d(
    input: Tensor,  # noqa: A002
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    dilation: Any = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> Any:
    """Maximum over each window of ``(N, C, L)`` or ``(C, L)``; indices index the length.

    Example:
        >>> F.max_pool1d(nettrain.tensor([[1.0, 3.0, 2.0, 0.0]]), 2)
        tensor([[3., 2.]])
    """
    _check_1d("max_pool1d", input)
    k = _one(kernel_size, "kernel_size")
    s = k if stride is None or stride == [] else _one(stride, "stride")
    p, d = _one(padding, "padding"), _one(dilation, "dilation")
    out = max_pool2d(input.unsqueeze(-2), (1, k), (1, s), (0, p), (1, d), ceil_mode, return_indices)
    if return_indices:  # row 0 of a one-row plane: the flat index is the position itself
        return out[0].squeeze(-2), out[1].squeeze(-2)
    return out.squeeze(-2)


def avg_pool1d(
    input: Tensor,  # noqa: A002
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
) -> Tensor:
    """Mean over each window of ``(N, C, L)`` or ``(C, L)``.

    Example:
        >>> F.avg_pool1d(nettrain.tensor([[1.0, 3.0, 2.0, 0.0]]), 2)
        tensor([[2., 1.]])
    """
    _check_1d("avg_pool1d", input)
    k = _one(kernel_size, "kernel_size")
    s = k if stride is None or stride == [] else _one(stride, "stride")
    p = _one(padding, "padding")
    out = avg_pool2d(input.unsqueeze(-2), (1, k), (1, s), (0, p), ceil_mode, count_include_pad)
    return out.squeeze(-2)
