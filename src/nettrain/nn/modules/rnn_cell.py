"""Single-step recurrent cells: ``RNNCell``, ``LSTMCell`` and ``GRUCell``.

A cell is one time step of the matching sequence layer, for programs that write the loop
over time themselves. Each call is one input projection plus one fused step node (the same
step ops the sequence layers use), so a cell and its layer agree to the last bit.
"""

from __future__ import annotations

import math
from typing import Any

from nettrain.backend import get_array_module
from nettrain.creation import empty
from nettrain.errors import ShapeError
from nettrain.nn import init
from nettrain.nn.functional.linear import linear
from nettrain.nn.modules.module import Module
from nettrain.nn.parameter import Parameter
from nettrain.ops.rnn import GRUStep, LSTMStep, RNNStep
from nettrain.tensor import Tensor

# RNNCellBase stays unexported: nn exports only registrable (config-buildable) layers
__all__ = ["GRUCell", "LSTMCell", "RNNCell"]


class RNNCellBase(Module):
    """Parameters ``weight_ih``, ``weight_hh``, ``bias_ih``, ``bias_hh`` and input checks."""

    _gates = 1
    _parts = 1  # state tensors: 1 (h), or 2 (h, c) for LSTMCell

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        bias: bool = True,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        if input_size <= 0 or hidden_size <= 0:
            raise ValueError(
                f"{type(self).__name__}: input_size and hidden_size must be greater than zero, "
                f"got {input_size} and {hidden_size}"
            )
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        gate_size = self._gates * hidden_size
        kw = {"device": device, "dtype": dtype}
        self.weight_ih = Parameter(empty((gate_size, input_size), **kw))
        self.weight_hh = Parameter(empty((gate_size, hidden_size), **kw))
        if bias:
            self.bias_ih = Parameter(empty((gate_size,), **kw))
            self.bias_hh = Parameter(empty((gate_size,), **kw))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)) for every weight and bias."""
        bound = 1.0 / math.sqrt(self.hidden_size)
        for param in self.parameters():
            init.uniform_(param, -bound, bound)

    def _prepare(self, input: Tensor, hx: Any) -> tuple[Tensor, tuple[Tensor, ...], bool]:  # noqa: A002
        """2-D input and state tensors (zeros when ``hx`` is None), and whether batched."""
        name = type(self).__name__
        if input.ndim not in (1, 2):
            raise ValueError(f"{name}: Expected input to be 1D or 2D, got {input.ndim}D instead")
        if input.shape[-1] != self.input_size:
            raise ShapeError(
                f"{self!r}: input has inconsistent input_size: got {input.shape[-1]} "
                f"expected {self.input_size}"
            )
        batched = input.ndim == 2
        if not batched:
            input = input.unsqueeze(0)
        batch = input.shape[0]
        if hx is None:
            xp = get_array_module(input._data)
            shape = (batch, self.hidden_size)
            zeros = Tensor._make(xp.zeros(shape, dtype=self.weight_ih._data.dtype))
            return input, (zeros,) * self._parts, batched
        if self._parts == 2 and not (isinstance(hx, (tuple, list)) and len(hx) == 2):
            raise TypeError(f"{name} expects hx as a tuple (h_0, c_0)")
        if self._parts == 1 and not isinstance(hx, Tensor):
            raise TypeError(f"{name} expects hx as a Tensor h_0")
        states = tuple(hx) if self._parts == 2 else (hx,)
        expected = (batch, self.hidden_size) if batched else (self.hidden_size,)
        for label, t in zip(("h_0", "c_0"), states):
            if tuple(t.shape) != expected:
                raise ShapeError(
                    f"{self!r}: expected {label} of shape {expected} for input of shape "
                    f"{tuple(input.shape) if batched else (self.input_size,)}, "
                    f"got {tuple(t.shape)}"
                )
        if not batched:
            states = tuple(t.unsqueeze(0) for t in states)
        return input, states, batched

    def _folded_projection(self, input: Tensor) -> Tensor:  # noqa: A002
        """x W_ih^T + b_ih + b_hh: both biases add to the pre-activation (RNN, LSTM)."""
        b = self.bias_ih + self.bias_hh if self.bias else None
        return linear(input, self.weight_ih, b)

    def extra_repr(self) -> str:
        text = f"{self.input_size}, {self.hidden_size}"
        if self.bias is not True:
            text += f", bias={self.bias}"
        nonlinearity = getattr(self, "nonlinearity", "tanh")
        if nonlinearity != "tanh":
            text += f", nonlinearity={nonlinearity}"
        return text


class RNNCell(RNNCellBase):
    """One Elman step: h' = act(x W_ih^T + b_ih + h W_hh^T + b_hh), act tanh or relu.

    Input ``(N, input_size)`` or unbatched ``(input_size,)``; ``hx`` defaults to zeros.

    Example:
        >>> cell = RNNCell(4, 8)
        >>> cell(nettrain.randn(3, 4)).shape
        (3, 8)
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        bias: bool = True,
        nonlinearity: str = "tanh",
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"Invalid nonlinearity selected for RNN: '{nonlinearity}'")
        super().__init__(input_size, hidden_size, bias, device=device, dtype=dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:  # noqa: A002
        x, (h,), batched = self._prepare(input, hx)
        out = RNNStep.apply(self._folded_projection(x), h, self.weight_hh, self.nonlinearity)
        return out if batched else out.squeeze(0)


class LSTMCell(RNNCellBase):
    """One LSTM step, gate order i, f, g, o; returns ``(h', c')``.

    Input ``(N, input_size)`` or unbatched ``(input_size,)``; ``hx`` is ``(h_0, c_0)``
    and defaults to zeros.

    Example:
        >>> cell = LSTMCell(4, 8)
        >>> h, c = cell(nettrain.randn(3, 4))
        >>> h.shape, c.shape
        ((3, 8), (3, 8))
    """

    _gates = 4
    _parts = 2

    def forward(
        self,
        input: Tensor,  # noqa: A002
        hx: tuple[Tensor, Tensor] | None = None,
    ) -> tuple[Tensor, Tensor]:
        x, (h, c), batched = self._prepare(input, hx)
        h_new, c_new = LSTMStep.apply(self._folded_projection(x), h, c, self.weight_hh)
        if not batched:
            return h_new.squeeze(0), c_new.squeeze(0)
        return h_new, c_new


class GRUCell(RNNCellBase):
    """One GRU step, gate order r, z, n, with ``b_hn`` inside the reset gate as PyTorch.

    Input ``(N, input_size)`` or unbatched ``(input_size,)``; ``hx`` defaults to zeros.

    Example:
        >>> cell = GRUCell(4, 8)
        >>> cell(nettrain.randn(3, 4)).shape
        (3, 8)
    """

    _gates = 3

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:  # noqa: A002
        x, (h,), batched = self._prepare(input, hx)
        x_proj = linear(x, self.weight_ih, self.bias_ih)
        out = GRUStep.apply(x_proj, h, self.weight_hh, self.bias_hh)
        return out if batched else out.squeeze(0)
