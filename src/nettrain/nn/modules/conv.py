"""Convolution layers ``Conv1d``, ``Conv2d``, ``ConvTranspose1d/2d``, initialised as PyTorch."""

from __future__ import annotations

import math
from typing import Any

from nettrain.creation import empty
from nettrain.errors import ShapeError
from nettrain.nn import init
from nettrain.nn.functional.conv import (
    _ntuple,
    conv1d,
    conv2d,
    conv_transpose1d,
    conv_transpose2d,
)
from nettrain.nn.modules.module import Module
from nettrain.nn.parameter import Parameter
from nettrain.tensor import Tensor

__all__ = ["Conv1d", "Conv2d", "ConvTranspose1d", "ConvTranspose2d"]

_PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


class _ConvNd(Module):
    """Shared construction, initialisation, checks and repr of the convolution layers."""

    _dims = 2
    _transposed = False

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: Any,
        stride: Any,
        padding: Any,
        dilation: Any,
        groups: int,
        bias: bool,
        padding_mode: str,
        output_padding: Any = 0,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        n = self._dims
        if groups <= 0:
            raise ValueError("groups must be a positive integer")
        if in_channels % groups:
            raise ValueError("in_channels must be divisible by groups")
        if out_channels % groups:
            raise ValueError("out_channels must be divisible by groups")
        if padding_mode not in _PADDING_MODES:
            raise ValueError(
                f"padding_mode must be one of {_PADDING_MODES}, but got "
                f"padding_mode='{padding_mode}'"
            )
        if padding_mode != "zeros":
            raise NotImplementedError(
                f"padding_mode='{padding_mode}' is not supported by nettrain; use 'zeros' "
                "(pad the input yourself for other modes)"
            )
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size = _ntuple(kernel_size, n, "kernel_size")
        self.stride = _ntuple(stride, n, "stride")
        if isinstance(padding, str):
            if padding not in ("valid", "same"):
                raise ValueError(
                    f"Invalid padding string '{padding}', should be one of {{'valid', 'same'}}"
                )
            if padding == "same" and any(s != 1 for s in self.stride):
                raise ValueError("padding='same' is not supported for strided convolutions")
            self.padding: Any = padding
        else:
            self.padding = _ntuple(padding, n, "padding")
        self.dilation = _ntuple(dilation, n, "dilation")
        self.output_padding = _ntuple(output_padding, n, "output_padding")
        self.transposed = self._transposed
        self.groups, self.padding_mode = groups, padding_mode
        if self._transposed:
            shape = (in_channels, out_channels // groups, *self.kernel_size)
        else:
            shape = (out_channels, in_channels // groups, *self.kernel_size)
        self.weight = Parameter(empty(shape, device=device, dtype=dtype))
        if bias:
            self.bias = Parameter(empty(out_channels, device=device, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """PyTorch's default: kaiming_uniform_(a=sqrt(5)) weight, U(+-1/sqrt(fan_in)) bias."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
            if fan_in != 0:
                bound = 1 / math.sqrt(fan_in)
                init.uniform_(self.bias, -bound, bound)

    def _short_name(self) -> str:
        return (
            f"{type(self).__name__}({self.in_channels}, {self.out_channels}, "
            f"kernel_size={self.kernel_size})"
        )

    def _check_input(self, input: Tensor) -> None:  # noqa: A002
        """Rank and channel checks whose message names this layer and the input shape."""
        n = self._dims
        if input.dim() not in (n + 1, n + 2):
            raise ShapeError(
                f"{self._short_name()} expected {n + 1}D (unbatched) or {n + 2}D (batched) "
                f"input, got input of shape {tuple(input.shape)}"
            )
        channels = input.shape[0 if input.dim() == n + 1 else 1]
        if channels != self.in_channels:
            raise ShapeError(
                f"{self._short_name()} expected input with {self.in_channels} channels, got "
                f"input of shape {tuple(input.shape)}"
            )

    def extra_repr(self) -> str:
        n = self._dims
        text = (
            f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
            f"stride={self.stride}"
        )
        if self.padding != (0,) * n:
            text += f", padding={self.padding}"
        if self.dilation != (1,) * n:
            text += f", dilation={self.dilation}"
        if self.output_padding != (0,) * n:
            text += f", output_padding={self.output_padding}"
        if self.groups != 1:
            text += f", groups={self.groups}"
        if self.bias is None:
            text += ", bias=False"
        if self.padding_mode != "zeros":
            text += f", padding_mode={self.padding_mode}"
        return text


class Conv1d(_ConvNd):
    """1-D convolution over ``(N, C_in, L)``.

    Example:
        >>> Conv1d(2, 4, 3, padding="same")(nettrain.randn(1, 2, 10)).shape
        (1, 4, 10)
    """

    _dims = 1

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: Any,
        stride: Any = 1,
        padding: Any = 0,
        dilation: Any = 1,
        groups: int = 1,
        bias: bool = True,
        padding_mode: str = "zeros",
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__(
            in_channels,
            out_channels,
            kernel_size,
            stride,
            padding,
            dilation,
            groups,
            bias,
            padding_mode,
            0,
            device,
            dtype,
        )

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        self._check_input(input)
        return conv1d(
            input, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups
        )


class Conv2d(_ConvNd):
    """2-D convolution over ``(N, C_in, H, W)``.

    Example:
        >>> Conv2d(1, 8, 3)(nettrain.randn(64, 1, 28, 28)).shape
        (64, 8, 26, 26)
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: Any,
        stride: Any = 1,
        padding: Any = 0,
        dilation: Any = 1,
        groups: int = 1,
        bias: bool = True,
        padding_mode: str = "zeros",
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__(
            in_channels,
            out_channels,
            kernel_size,
            stride,
            padding,
            dilation,
            groups,
            bias,
            padding_mode,
            0,
            device,
            dtype,
        )

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        self._check_input(input)
        return conv2d(
            input, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups
        )


class _ConvTransposeNd(_ConvNd):
    """Shared construction and ``output_size`` handling of the transposed convolutions."""

    _transposed = True

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: Any,
        stride: Any = 1,
        padding: Any = 0,
        output_padding: Any = 0,
        groups: int = 1,
        bias: bool = True,
        dilation: Any = 1,
        padding_mode: str = "zeros",
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        if isinstance(padding, str):
            raise ValueError(
                f"{type(self).__name__} does not support string padding ('same'/'valid')"
            )
        super().__init__(
            in_channels,
            out_channels,
            kernel_size,
            stride,
            padding,
            dilation,
            groups,
            bias,
            padding_mode,
            output_padding,
            device,
            dtype,
        )

    def _output_padding(self, input: Tensor, output_size: Any) -> tuple[int, ...]:  # noqa: A002
        """The output_padding that yields ``output_size`` (PyTorch's rule and message)."""
        if output_size is None:
            return self.output_padding
        n = self._dims
        size = [int(s) for s in output_size][-n:]
        spatial = input.shape[-n:]
        low = [
            (spatial[d] - 1) * self.stride[d]
            - 2 * self.padding[d]
            + self.dilation[d] * (self.kernel_size[d] - 1)
            + 1
            for d in range(n)
        ]
        high = [low[d] + self.stride[d] - 1 for d in range(n)]
        if any(not lo <= s <= hi for s, lo, hi in zip(size, low, high)):
            raise ValueError(
                f"requested an output size of {size}, but valid sizes range from {low} to "
                f"{high} (for an input of {tuple(spatial)})"
            )
        return tuple(s - lo for s, lo in zip(size, low))


class ConvTranspose2d(_ConvTransposeNd):
    """Transposed 2-D convolution (a learnable upsampling; conv2d's input gradient)."""

    def forward(self, input: Tensor, output_size: Any = None) -> Tensor:  # noqa: A002
        self._check_input(input)
        extra = self._output_padding(input, output_size)
        return conv_transpose2d(
            input,
            self.weight,
            self.bias,
            self.stride,
            self.padding,
            extra,
            self.groups,
            self.dilation,
        )


class ConvTranspose1d(_ConvTransposeNd):
    """Transposed 1-D convolution over ``(N, C_in, L)`` (a learnable 1-D upsampling).

    Example:
        >>> ConvTranspose1d(2, 4, 3, stride=2)(nettrain.randn(1, 2, 5)).shape
        (1, 4, 11)
    """

    _dims = 1

    def forward(self, input: Tensor, output_size: Any = None) -> Tensor:  # noqa: A002
        self._check_input(input)
        extra = self._output_padding(input, output_size)
        return conv_transpose1d(
            input,
            self.weight,
            self.bias,
            self.stride,
            self.padding,
            extra,
            self.groups,
            self.dilation,
        )
