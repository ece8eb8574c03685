"""Affine layers: ``Identity``, ``Linear`` and ``Bilinear``, initialised as in PyTorch."""

from __future__ import annotations

import math
from typing import Any

from nettrain.amp import autocast_mode as _amp
from nettrain.creation import empty
from nettrain.errors import ShapeError
from nettrain.nn import init
from nettrain.nn.functional.linear import _check_dtypes, bilinear
from nettrain.nn.modules.module import Module
from nettrain.nn.parameter import Parameter
from nettrain.ops.linear import Linear as _LinearOp
from nettrain.tensor import Tensor

__all__ = ["Bilinear", "Identity", "Linear"]


class Identity(Module):
    """Return the input unchanged (any constructor arguments are ignored)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return input


class Linear(Module):
    """``y = x W^T + b`` with W of shape (out_features, in_features).

    Weight ~ kaiming_uniform_(a=sqrt(5)), i.e. U(-1/sqrt(in), 1/sqrt(in)); bias likewise.

    Example:
        >>> layer = Linear(4, 2)
        >>> layer(nettrain.randn(3, 4)).shape
        (3, 2)
    """

    def __init__(
        self,
        in_features: int,
        out_features: int,
        bias: bool = True,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        self.in_features = in_features
        self.out_features = out_features
        self.weight = Parameter(empty((out_features, in_features), device=device, dtype=dtype))
        if bias:
            self.bias = Parameter(empty(out_features, device=device, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Draw the PyTorch default initialisation again."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        data = input._data
        if data.shape[-1:] != (self.in_features,):
            raise ShapeError(
                f"Linear(in_features={self.in_features}, out_features={self.out_features}) "
                f"got input of shape {tuple(input.shape)}; expected (..., {self.in_features})"
            )
        weight, bias = self.weight, self.bias
        if _amp.STATE.active:
            input, weight, bias = _amp.to_lower(input, weight, bias)
            data = input._data
        if data.dtype != weight._data.dtype:
            _check_dtypes("Linear", input, weight)
        return _LinearOp.apply(input, weight, bias)  # checked above: skip F.linear's checks

    def extra_repr(self) -> str:
        return (
            f"in_features={self.in_features}, out_features={self.out_features}, "
            f"bias={self.bias is not None}"
        )


class Bilinear(Module):
    """``y_k = x1^T W_k x2 + b_k``; W of shape (out, in1, in2), U(-1/sqrt(in1), ...) init."""

    def __init__(
        self,
        in1_features: int,
        in2_features: int,
        out_features: int,
        bias: bool = True,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        self.in1_features = in1_features
        self.in2_features = in2_features
        self.out_features = out_features
        shape = (out_features, in1_features, in2_features)
        self.weight = Parameter(empty(shape, device=device, dtype=dtype))
        if bias:
            self.bias = Parameter(empty(out_features, device=device, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Draw the PyTorch default initialisation again."""
        bound = 1 / math.sqrt(self.weight.shape[1])
        init.uniform_(self.weight, -bound, bound)
        if self.bias is not None:
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input1: Tensor, input2: Tensor) -> Tensor:
        if input1.shape[-1:] != (self.in1_features,) or input2.shape[-1:] != (self.in2_features,):
            raise ShapeError(
                f"{self!r} got inputs of shapes {tuple(input1.shape)} and "
                f"{tuple(input2.shape)}; expected (..., {self.in1_features}) and "
                f"(..., {self.in2_features})"
            )
        return bilinear(input1, input2, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (
            f"in1_features={self.in1_features}, in2_features={self.in2_features}, "
            f"out_features={self.out_features}, bias={self.bias is not None}"
        )
