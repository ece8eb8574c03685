"""Recurrent layers: ``LSTM`` (multi-layer, bidirectional, batch_first), as in PyTorch.

The input projection of all time steps is one matrix product; the recurrence is a Python
loop over time steps (never over batch items), one fused ``LSTMStep`` node per step.
"""

from __future__ import annotations

import math
from typing import Any

from nettrain import functions as _fn
from nettrain.backend import get_array_module
from nettrain.creation import empty
from nettrain.errors import ShapeError
from nettrain.nn import init
from nettrain.nn.functional.dropout import dropout
from nettrain.nn.functional.linear import linear
from nettrain.nn.modules.module import Module
from nettrain.nn.parameter import Parameter
from nettrain.ops.rnn import LSTMStep, Unbind
from nettrain.tensor import Tensor

__all__ = ["LSTM"]


class LSTM(Module):
    """Long short-term memory over a sequence; gate order i, f, g, o as PyTorch.

    Input ``(L, N, input_size)`` (``(N, L, input_size)`` with ``batch_first``) or
    unbatched ``(L, input_size)``; returns ``output, (h_n, c_n)``.

    Example:
        >>> lstm = LSTM(4, 8, num_layers=2, batch_first=True)
        >>> out, (h, c) = lstm(nettrain.randn(3, 5, 4))
        >>> out.shape, h.shape
        ((3, 5, 8), (2, 3, 8))
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        proj_size: int = 0,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        if proj_size != 0:
            raise NotImplementedError("LSTM(proj_size>0) is not supported by nettrain")
        if not 0 <= dropout <= 1:
            raise ValueError(
                "dropout should be a number in range [0, 1] representing the probability of "
                "an element being zeroed"
            )
        if hidden_size <= 0 or num_layers <= 0:
            raise ValueError("hidden_size and num_layers must be greater than zero")
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bias = bias
        self.batch_first = batch_first
        self.dropout = float(dropout)
        self.bidirectional = bidirectional
        self.proj_size = proj_size
        directions = 2 if bidirectional else 1
        self._flat_weights_names: list[str] = []
        for layer in range(num_layers):
            layer_in = input_size if layer == 0 else hidden_size * directions
            for direction in range(directions):
                suffix = f"_l{layer}" + ("_reverse" if direction else "")
                shapes = {
                    "weight_ih": (4 * hidden_size, layer_in),
                    "weight_hh": (4 * hidden_size, hidden_size),
                }
                if bias:
                    shapes["bias_ih"] = (4 * hidden_size,)
                    shapes["bias_hh"] = (4 * hidden_size,)
                for name, shape in shapes.items():
                    param = Parameter(empty(shape, device=device, dtype=dtype))
                    setattr(self, name + suffix, param)
                    self._flat_weights_names.append(name + suffix)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)) for every weight and bias."""
        bound = 1.0 / math.sqrt(self.hidden_size)
        for param in self.parameters():
            init.uniform_(param, -bound, bound)

    def flatten_parameters(self) -> None:
        """A no-op kept for PyTorch compatibility (there is no cuDNN weight buffer)."""

    @property
    def all_weights(self) -> list[list[Parameter]]:
        """Parameters grouped per layer and direction, as PyTorch lists them."""
        per = 4 if self.bias else 2
        flat = [getattr(self, n) for n in self._flat_weights_names]
        return [flat[k : k + per] for k in range(0, len(flat), per)]

    def _check_input(self, input: Tensor, hx: Any) -> bool:  # noqa: A002
        if input.ndim not in (2, 3) or input.shape[-1] != self.input_size:
            raise ShapeError(
                f"{self!r} got input of shape {tuple(input.shape)}; expected (L, N, "
                f"{self.input_size}), (N, L, {self.input_size}) with batch_first, or "
                f"(L, {self.input_size})"
            )
        batched = input.ndim == 3
        if hx is not None:
            if not (isinstance(hx, (tuple, list)) and len(hx) == 2):
                raise TypeError("LSTM expects hx as a tuple (h_0, c_0)")
            directions = 2 if self.bidirectional else 1
            batch = input.shape[0 if self.batch_first else 1] if batched else None
            expected = (self.num_layers * directions, *(() if batch is None else (batch,)))
            expected += (self.hidden_size,)
            for name, t in zip(("h_0", "c_0"), hx):
                if tuple(t.shape) != expected:
                    raise ShapeError(
                        f"{self!r}: expected {name} of shape {expected}, got {tuple(t.shape)}"
                    )
        return batched

    def forward(self, input: Tensor, hx: Any = None) -> tuple[Tensor, tuple[Tensor, Tensor]]:  # noqa: A002
        batched = self._check_input(input, hx)
        if not batched:
            input = input.unsqueeze(1)
            if hx is not None:
                hx = (hx[0].unsqueeze(1), hx[1].unsqueeze(1))
        elif self.batch_first:
            input = input.transpose(0, 1)
        directions = 2 if self.bidirectional else 1
        batch = input.shape[1]
        if hx is None:
            xp = get_array_module(input._data)
            zeros = Tensor._make(
                xp.zeros((batch, self.hidden_size), dtype=self.weight_ih_l0._data.dtype)
            )
            states = [(zeros, zeros)] * (self.num_layers * directions)
        else:
            states = list(zip(_fn.unbind(hx[0], 0), _fn.unbind(hx[1], 0)))
        h_n, c_n = [], []
        layer_input = input
        for layer in range(self.num_layers):
            outputs = []
            for direction in range(directions):
                index = layer * directions + direction
                out, h, c = self._run_direction(layer_input, layer, direction, states[index])
                outputs.append(out)
                h_n.append(h)
                c_n.append(c)
            layer_input = outputs[0] if directions == 1 else _fn.cat(outputs, 2)
            if self.dropout and self.training and layer < self.num_layers - 1:
                layer_input = dropout(layer_input, self.dropout, True)
        output = layer_input
        h_out, c_out = _fn.stack(h_n, 0), _fn.stack(c_n, 0)
        if not batched:
            return output.squeeze(1), (h_out.squeeze(1), c_out.squeeze(1))
        if self.batch_first:
            output = output.transpose(0, 1)
        return output, (h_out, c_out)

    def _run_direction(
        self, x: Tensor, layer: int, direction: int, state: tuple[Tensor, Tensor]
    ) -> tuple[Tensor, Tensor, Tensor]:
        suffix = f"_l{layer}" + ("_reverse" if direction else "")
        w_ih = getattr(self, "weight_ih" + suffix)
        w_hh = getattr(self, "weight_hh" + suffix)
        bias = None
        if self.bias:
            bias = getattr(self, "bias_ih" + suffix) + getattr(self, "bias_hh" + suffix)
        steps = Unbind.apply(linear(x, w_ih, bias), 0)
        if not isinstance(steps, tuple):
            steps = (steps,)
        order = range(len(steps) - 1, -1, -1) if direction else range(len(steps))
        h, c = state
        hs: list[Tensor] = [None] * len(steps)  # type: ignore[list-item]
        for t in order:
            h, c = LSTMStep.apply(steps[t], h, c, w_hh)
            hs[t] = h
        return _fn.stack(hs, 0), h, c

    def extra_repr(self) -> str:
        text = f"{self.input_size}, {self.hidden_size}"
        if self.num_layers != 1:
            text += f", num_layers={self.num_layers}"
        if self.bias is not True:
            text += f", bias={self.bias}"
        if self.batch_first is not False:
            text += f", batch_first={self.batch_first}"
        if self.dropout != 0:
            text += f", dropout={self.dropout}"
        if self.bidirectional is not False:
            text += f", bidirectional={self.bidirectional}"
        return text
