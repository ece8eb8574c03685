"""Recurrent layers: ``RNN``, ``LSTM`` and ``GRU`` (multi-layer, bidirectional, batch_first).

The input projection of all time steps is one matrix product; the recurrence is a Python
loop over time steps (never over batch items), one fused step node per time step.
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
from nettrain.nn.modules._rnn_packed import forward_packed
from nettrain.nn.modules.module import Module
from nettrain.nn.parameter import Parameter
from nettrain.nn.utils.rnn import PackedSequence
from nettrain.ops.rnn import GRUStep, LSTMSequence, LSTMStep, RNNStep
from nettrain.ops.shape import Unbind
from nettrain.tensor import Tensor

__all__ = ["GRU", "LSTM", "RNN"]


class _RNNBase(Module):
    """Parameters, checks and the layer/direction loop shared by LSTM and GRU."""

    _gates = 4
    _has_cell = True
    _fold_bias = True  # LSTM and RNN add both biases before the step; GRU keeps b_hh apart

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
            raise NotImplementedError(
                f"{type(self).__name__}(proj_size>0) is not supported by nettrain"
            )
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
                gate_size = self._gates * hidden_size
                shapes = {
                    "weight_ih": (gate_size, layer_in),
                    "weight_hh": (gate_size, hidden_size),
                }
                if bias:
                    shapes["bias_ih"] = (gate_size,)
                    shapes["bias_hh"] = (gate_size,)
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
            if self._has_cell and not (isinstance(hx, (tuple, list)) and len(hx) == 2):
                raise TypeError("LSTM expects hx as a tuple (h_0, c_0)")
            if not self._has_cell and not isinstance(hx, Tensor):
                raise TypeError(f"{type(self).__name__} expects hx as a Tensor h_0")
            states = hx if self._has_cell else (hx,)
            directions = 2 if self.bidirectional else 1
            batch = input.shape[0 if self.batch_first else 1] if batched else None
            expected = (self.num_layers * directions, *(() if batch is None else (batch,)))
            expected += (self.hidden_size,)
            for name, t in zip(("h_0", "c_0"), states):
                if tuple(t.shape) != expected:
                    raise ShapeError(
                        f"{self!r}: expected {name} of shape {expected}, got {tuple(t.shape)}"
                    )
        return batched

    def forward(self, input: Any, hx: Any = None) -> Any:  # noqa: A002
        if isinstance(input, PackedSequence):  # each sequence ends at its own length
            return forward_packed(self, input, hx)
        batched = self._check_input(input, hx)
        parts = 2 if self._has_cell else 1
        if hx is not None:
            hx = tuple(hx) if self._has_cell else (hx,)
        if not batched:
            input = input.unsqueeze(1)
            if hx is not None:
                hx = tuple(t.unsqueeze(1) for t in hx)
        elif self.batch_first:
            input = input.transpose(0, 1)
        directions = 2 if self.bidirectional else 1
        if hx is None:
            xp = get_array_module(input._data)
            shape = (input.shape[1], self.hidden_size)
            zeros = Tensor._make(xp.zeros(shape, dtype=self.weight_ih_l0._data.dtype))
            states = [(zeros,) * parts] * (self.num_layers * directions)
        else:
            states = list(zip(*(_fn.unbind(t, 0) for t in hx)))
        finals: list[tuple[Tensor, ...]] = []
        layer_input = input
        for layer in range(self.num_layers):
            outputs = []
            for direction in range(directions):
                state = states[layer * directions + direction]
                out, final = self._run_direction(layer_input, layer, direction, state)
                outputs.append(out)
                finals.append(final)
            layer_input = outputs[0] if directions == 1 else _fn.cat(outputs, 2)
            if self.dropout and self.training and layer < self.num_layers - 1:
                layer_input = dropout(layer_input, self.dropout, True)
        output = layer_input
        stacked = [_fn.stack([f[k] for f in finals], 0) for k in range(parts)]
        if not batched:
            output = output.squeeze(1)
            stacked = [t.squeeze(1) for t in stacked]
        elif self.batch_first:
            output = output.transpose(0, 1)
        return output, (tuple(stacked) if self._has_cell else stacked[0])

    def _direction_weights(self, layer: int, direction: int) -> tuple[Any, Any, Any, Any]:
        """``(w_ih, b_ih, w_hh, b_hh)`` of one layer and direction; LSTM/RNN fold b_hh in."""
        suffix = f"_l{layer}" + ("_reverse" if direction else "")
        w_ih = getattr(self, "weight_ih" + suffix)
        w_hh = getattr(self, "weight_hh" + suffix)
        b_ih = getattr(self, "bias_ih" + suffix) if self.bias else None
        b_hh = getattr(self, "bias_hh" + suffix) if self.bias else None
        if self._fold_bias and b_ih is not None:  # LSTM, RNN: both biases add to the gates
            b_ih, b_hh = b_ih + b_hh, None
        return w_ih, b_ih, w_hh, b_hh

    def _project(self, x: Tensor, w_ih: Tensor, b_ih: Any) -> Tensor:
        """All time steps' input projections in one matrix product."""
        return linear(x, w_ih, b_ih)

    def _projected_steps(
        self, x: Tensor, layer: int, direction: int
    ) -> tuple[tuple[Tensor, ...], Parameter, Any]:
        """All time steps' input projections in one product, split per step in one node."""
        w_ih, b_ih, w_hh, b_hh = self._direction_weights(layer, direction)
        steps = Unbind.apply(self._project(x, w_ih, b_ih), 0)
        if not isinstance(steps, tuple):
            steps = (steps,)
        return steps, w_hh, b_hh

    def _run_direction(
        self, x: Tensor, layer: int, direction: int, state: tuple[Tensor, ...]
    ) -> tuple[Tensor, tuple[Tensor, ...]]:
        steps, w_hh, b_hh = self._projected_steps(x, layer, direction)
        order = range(len(steps) - 1, -1, -1) if direction else range(len(steps))
        hs: list[Tensor] = [None] * len(steps)  # type: ignore[list-item]
        for t in order:
            state = self._step(steps[t], state, w_hh, b_hh)
            hs[t] = state[0]
        return _fn.stack(hs, 0), state

    def _step(
        self, x_t: Tensor, state: tuple[Tensor, ...], w_hh: Tensor, b_hh: Any
    ) -> tuple[Tensor, ...]:
        raise NotImplementedError

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


class LSTM(_RNNBase):
    """Long short-term memory over a sequence; gate order i, f, g, o as PyTorch.

    Input ``(L, N, input_size)`` (``(N, L, input_size)`` with ``batch_first``) or
    unbatched ``(L, input_size)``; returns ``output, (h_n, c_n)``.

    Example:
        >>> lstm = LSTM(4, 8, num_layers=2, batch_first=True)
        >>> out, (h, c) = lstm(nettrain.randn(3, 5, 4))
        >>> out.shape, h.shape
        ((3, 5, 8), (2, 3, 8))
    """

    _gates = 4
    _has_cell = True

    def _run_direction(
        self, x: Tensor, layer: int, direction: int, state: tuple[Tensor, ...]
    ) -> tuple[Tensor, tuple[Tensor, ...]]:
        """The whole sequence as one node (see ``LSTMSequence``)."""
        w_ih, b_ih, w_hh, _ = self._direction_weights(layer, direction)
        x_proj = self._project(x, w_ih, b_ih)
        out, h, c = LSTMSequence.apply(x_proj, state[0], state[1], w_hh, bool(direction))
        return out, (h, c)

    def _step(
        self, x_t: Tensor, state: tuple[Tensor, ...], w_hh: Tensor, b_hh: Any
    ) -> tuple[Tensor, ...]:
        return LSTMStep.apply(x_t, state[0], state[1], w_hh)


class GRU(_RNNBase):
    """Gated recurrent unit over a sequence; gate order r, z, n as PyTorch.

    Same input layouts as ``LSTM``; returns ``output, h_n``.

    Example:
        >>> gru = GRU(4, 8, batch_first=True)
        >>> out, h = gru(nettrain.randn(3, 5, 4))
        >>> out.shape, h.shape
        ((3, 5, 8), (1, 3, 8))
    """

    _gates = 3
    _has_cell = False
    _fold_bias = False

    def _step(
        self, x_t: Tensor, state: tuple[Tensor, ...], w_hh: Tensor, b_hh: Any
    ) -> tuple[Tensor, ...]:
        return (GRUStep.apply(x_t, state[0], w_hh, b_hh),)


class RNN(_RNNBase):
    """Elman RNN over a sequence: h_t = act(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh).

    ``nonlinearity`` is ``'tanh'`` (default) or ``'relu'``. Same input layouts as ``LSTM``;
    returns ``output, h_n``.

    Example:
        >>> rnn = RNN(4, 8, num_layers=2, nonlinearity="relu")
        >>> out, h = rnn(nettrain.randn(5, 3, 4))
        >>> out.shape, h.shape
        ((5, 3, 8), (2, 3, 8))
    """

    _gates = 1
    _has_cell = False
    _fold_bias = True

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        nonlinearity: str = "tanh",
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(
                f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or 'relu'."
            )
        self.nonlinearity = nonlinearity
        super().__init__(
            input_size,
            hidden_size,
            num_layers,
            bias,
            batch_first,
            dropout,
            bidirectional,
            device=device,
            dtype=dtype,
        )

    def _step(
        self, x_t: Tensor, state: tuple[Tensor, ...], w_hh: Tensor, b_hh: Any
    ) -> tuple[Tensor, ...]:
        return (RNNStep.apply(x_t, state[0], w_hh, self.nonlinearity),)
