"""Convolutions: ``conv1d``, ``conv2d``, ``conv_transpose1d/2d`` (PyTorch's signatures)."""

from __future__ import annotations

from typing import Any

from nettrain.amp import autocast_mode as _amp
from nettrain.errors import ShapeError
from nettrain.ops import conv as conv_ops
from nettrain.tensor import Tensor

__all__ = ["conv1d", "conv2d", "conv_transpose1d", "conv_transpose2d"]


def _ntuple(value: Any, n: int, name: str) -> tuple[int, ...]:
    """An int or a sequence of ``n`` ints as a tuple of ``n`` ints."""
    if isinstance(value, int):
        return (value,) * n
    values = tuple(int(v) for v in value)
    if len(values) == 1:
        return values * n
    if len(values) != n:
        raise ValueError(f"{name} must be an int or a tuple of {n} ints, got {value!r}")
    return values


def _positive(values: tuple[int, ...], name: str) -> tuple[int, ...]:
    if min(values) < 1:
        raise ValueError(f"non-positive {name} is not supported, got {name}={values}")
    return values


def _shape(t: Tensor) -> tuple[int, ...]:
    return tuple(t.shape)


def _check_conv(
    name: str,
    input: Tensor,
    weight: Tensor,
    bias: Any,
    groups: int,  # noqa: A002
    spatial: int,
) -> None:
    """PyTorch's checks (and messages) for ranks, channels, groups and dtypes."""
    if input.dim() != spatial + 2:
        raise ShapeError(
            f"{name}: expected {spatial + 1}D (unbatched) or {spatial + 2}D (batched) input, "
            f"got input of shape {_shape(input)}"
        )
    if weight.dim() != spatial + 2:
        raise ShapeError(
            f"{name}: expected a {spatial + 2}D weight, got weight of shape {_shape(weight)}"
        )
    if groups < 1 or weight.shape[0] % groups:
        raise ValueError(
            f"{name}: groups must be a positive divisor of out_channels={weight.shape[0]}, "
            f"got groups={groups}"
        )
    if input.shape[1] != weight.shape[1] * groups:
        raise ShapeError(
            f"Given groups={groups}, weight of size {list(weight.shape)}, expected "
            f"input{list(input.shape)} to have {weight.shape[1] * groups} channels, but got "
            f"{input.shape[1]} channels instead"
        )
    if bias is not None and _shape(bias) != (weight.shape[0],):
        raise ShapeError(f"{name}: expected bias of shape ({weight.shape[0]},), got {_shape(bias)}")
    for other, label in ((weight, "weight"), (bias, "bias")):
        if other is not None and other.dtype != input.dtype:
            raise RuntimeError(
                f"{name}: input type ({input.dtype}) and {label} type ({other.dtype}) should "
                "be the same"
            )


def _pads(
    padding: Any, kernel: tuple[int, int], stride: tuple[int, int], dilation: tuple[int, int]
) -> tuple[int, int, int, int]:
    """(top, bottom, left, right) from an int, a pair, 'valid' or 'same'."""
    if isinstance(padding, str):
        if padding == "valid":
            return (0, 0, 0, 0)
        if padding != "same":
            raise ValueError(
                f"Invalid padding string {padding!r}, should be one of 'valid', 'same'"
            )
        if stride != (1, 1):
            raise ValueError("padding='same' is not supported for strided convolutions")
        pads = []
        for k, d in zip(kernel, dilation):
            total = d * (k - 1)
            pads += [total // 2, total - total // 2]  # PyTorch puts the odd one at the end
        return tuple(pads)  # type: ignore[return-value]
    ph, pw = _ntuple(padding, 2, "padding")
    if ph < 0 or pw < 0:
        raise ValueError(f"padding must be non-negative, got {padding!r}")
    return (ph, ph, pw, pw)


def _check_output(name: str, input: Tensor, out: tuple[int, ...]) -> None:  # noqa: A002
    if min(out) < 1:
        raise ShapeError(
            f"{name}: calculated output size {tuple(out)} is too small for input of shape "
            f"{_shape(input)} (kernel, dilation and padding leave no complete window)"
        )


def conv2d(
    input: Tensor,  # noqa: A002
    weight: Tensor,
    bias: Tensor | None = None,
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
    groups: int = 1,
) -> Tensor:
    """2-D convolution (cross-correlation) over ``(N, C, H, W)`` or ``(C, H, W)`` input.

    Example:
        >>> y = F.conv2d(nettrain.randn(1, 3, 8, 8), nettrain.randn(4, 3, 3, 3), padding=1)
        >>> y.shape
        (1, 4, 8, 8)
    """
    if input.dim() == 3:
        out = conv2d(input.unsqueeze(0), weight, bias, stride, padding, dilation, groups)
        return out.squeeze(0)
    if _amp.STATE.active:
        input, weight, bias = _amp.to_lower(input, weight, bias)
    _check_conv("conv2d", input, weight, bias, groups, 2)
    kernel = (weight.shape[2], weight.shape[3])
    stride = _positive(_ntuple(stride, 2, "stride"), "stride")
    dilation = _positive(_ntuple(dilation, 2, "dilation"), "dilation")
    pads = _pads(padding, kernel, stride, dilation)
    size = [
        conv_ops.out_size(
            input.shape[2 + a], pads[2 * a], pads[2 * a + 1], kernel[a], stride[a], dilation[a]
        )
        for a in range(2)
    ]
    _check_output("conv2d", input, tuple(size))
    return conv_ops.Conv2d.apply(input, weight, bias, stride, pads, dilation, groups)


def conv1d(
    input: Tensor,  # noqa: A002
    weight: Tensor,
    bias: Tensor | None = None,
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
    groups: int = 1,
) -> Tensor:
    """1-D convolution over ``(N, C, L)`` or ``(C, L)``: conv2d with a height of one."""
    if input.dim() == 2:
        return conv1d(input.unsqueeze(0), weight, bias, stride, padding, dilation, groups).squeeze(
            0
        )
    _check_conv("conv1d", input, weight, bias, groups, 1)
    if not isinstance(padding, str):
        padding = (0, _ntuple(padding, 1, "padding")[0])
    out = conv2d(
        input.unsqueeze(2),
        weight.unsqueeze(2),
        bias,
        (1, _ntuple(stride, 1, "stride")[0]),
        padding,
        (1, _ntuple(dilation, 1, "dilation")[0]),
        groups,
    )
    return out.squeeze(2)


def conv_transpose2d(
    input: Tensor,  # noqa: A002
    weight: Tensor,
    bias: Tensor | None = None,
    stride: Any = 1,
    padding: Any = 0,
    output_padding: Any = 0,
    groups: int = 1,
    dilation: Any = 1,
) -> Tensor:
    """Transposed 2-D convolution (the gradient of conv2d w.r.t. its input).

    ``weight`` has shape ``(C_in, C_out / groups, kH, kW)``; the output size along each
    axis is ``(H - 1) * stride - 2 * padding + dilation * (k - 1) + output_padding + 1``.
    """
    if input.dim() == 3:
        out = conv_transpose2d(
            input.unsqueeze(0), weight, bias, stride, padding, output_padding, groups, dilation
        )
        return out.squeeze(0)
    if _amp.STATE.active:
        input, weight, bias = _amp.to_lower(input, weight, bias)
    if input.dim() != 4:
        raise ShapeError(
            "conv_transpose2d: expected 3D (unbatched) or 4D (batched) input, got input of "
            f"shape {_shape(input)}"
        )
    if input.shape[1] != weight.shape[0] or input.shape[1] % groups:
        raise ShapeError(
            f"conv_transpose2d: weight of size {list(weight.shape)} expects input with "
            f"{weight.shape[0]} channels, got input of shape {_shape(input)}"
        )
    stride = _positive(_ntuple(stride, 2, "stride"), "stride")
    dilation = _positive(_ntuple(dilation, 2, "dilation"), "dilation")
    ph, pw = _ntuple(padding, 2, "padding")
    extra = _ntuple(output_padding, 2, "output_padding")
    for e, s, d in zip(extra, stride, dilation):
        if e >= s and e >= d:
            raise ValueError(
                f"output padding must be smaller than either stride or dilation, got "
                f"output_padding={extra}, stride={stride}, dilation={dilation}"
            )
    kernel = (weight.shape[2], weight.shape[3])
    out = tuple(
        (input.shape[2 + a] - 1) * stride[a]
        - 2 * (ph, pw)[a]
        + dilation[a] * (kernel[a] - 1)
        + extra[a]
        + 1
        for a in range(2)
    )
    _check_output("conv_transpose2d", input, out)
    if bias is not None and _shape(bias) != (weight.shape[1] * groups,):
        raise ShapeError(
            f"conv_transpose2d: expected bias of shape ({weight.shape[1] * groups},), got "
            f"{_shape(bias)}"
        )
    pads = (ph, ph, pw, pw)
    return conv_ops.ConvTranspose2d.apply(input, weight, bias, stride, pads, dilation, groups, out)


def conv_transpose1d(
    input: Tensor,  # noqa: A002
    weight: Tensor,
    bias: Tensor | None = None,
    stride: Any = 1,
    padding: Any = 0,
    output_padding: Any = 0,
    groups: int = 1,
    dilation: Any = 1,
) -> Tensor:
    """Transposed 1-D convolution over ``(N, C_in, L)`` or ``(C_in, L)``: conv_transpose2d
    with a height of one. ``weight`` has shape ``(C_in, C_out / groups, k)``.

    Example:
        >>> F.conv_transpose1d(nettrain.randn(1, 2, 5), nettrain.randn(2, 3, 3), stride=2).shape
        (1, 3, 11)
    """
    if input.dim() not in (2, 3) or weight.dim() != 3:
        raise ShapeError(
            "conv_transpose1d: expected 2D (unbatched) or 3D (batched) input and a 3D weight, "
            f"got input of shape {_shape(input)} and weight of shape {_shape(weight)}"
        )
    if input.dim() == 2:
        return conv_transpose1d(
            input.unsqueeze(0), weight, bias, stride, padding, output_padding, groups, dilation
        ).squeeze(0)
    out = conv_transpose2d(
        input.unsqueeze(2),
        weight.unsqueeze(2),
        bias,
        (1, _ntuple(stride, 1, "stride")[0]),
        (0, _ntuple(padding, 1, "padding")[0]),
        (0, _ntuple(output_padding, 1, "output_padding")[0]),
        groups,
        (1, _ntuple(dilation, 1, "dilation")[0]),
    )
    return out.squeeze(2)
