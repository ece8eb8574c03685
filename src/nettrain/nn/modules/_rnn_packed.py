"""``RNN``/``LSTM``/``GRU`` over a ``PackedSequence``: each sequence stops at its own end.

Packed rows are sorted by decreasing length, so at time step ``t`` only the first
``batch_sizes[t]`` rows are still running. The forward direction drops the rows that have
ended (their state at that moment is their final state); the reverse direction starts at
the last step with the longest-running rows only and admits each shorter sequence, with
its initial state, at its own last step. No padded step ever touches a state, so outputs
and final states equal PyTorch's.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nettrain import functions as _fn
from nettrain.backend import get_array_module
from nettrain.errors import ShapeError
from nettrain.nn.functional.dropout import dropout
from nettrain.nn.utils.rnn import PackedSequence
from nettrain.tensor import Tensor

State = tuple[Tensor, ...]


def _cat(pieces: list[Tensor]) -> Tensor:
    return pieces[0] if len(pieces) == 1 else _fn.cat(pieces, 0)


def _initial_states(module: Any, packed: PackedSequence, hx: Any, batch: int) -> list[State]:
    """Per (layer, direction) initial states in the packed (sorted) batch order."""
    parts = 2 if module._has_cell else 1
    directions = 2 if module.bidirectional else 1
    if hx is None:
        xp = get_array_module(packed.data._data)
        shape = (batch, module.hidden_size)
        zeros = Tensor._make(xp.zeros(shape, dtype=module.weight_ih_l0._data.dtype))
        return [(zeros,) * parts] * (module.num_layers * directions)
    name = type(module).__name__
    if module._has_cell and not (isinstance(hx, (tuple, list)) and len(hx) == 2):
        raise TypeError(f"{name} expects hx as a tuple (h_0, c_0)")
    if not module._has_cell and not isinstance(hx, Tensor):
        raise TypeError(f"{name} expects hx as a Tensor h_0")
    states = tuple(hx) if module._has_cell else (hx,)
    expected = (module.num_layers * directions, batch, module.hidden_size)
    for label, t in zip(("h_0", "c_0"), states):
        if tuple(t.shape) != expected:
            raise ShapeError(
                f"{module!r}: expected {label} of shape {expected} for a PackedSequence of "
                f"batch {batch}, got {tuple(t.shape)}"
            )
    if packed.sorted_indices is not None:  # hx comes in the caller's order
        states = tuple(t.index_select(1, packed.sorted_indices) for t in states)
    return list(zip(*(_fn.unbind(t, 0) for t in states)))


def _run(
    module: Any, x: Tensor, sizes: list[int], layer: int, direction: int, state: State
) -> tuple[Tensor, State]:
    """One direction of one layer over packed rows ``x``; returns (packed output, final)."""
    w_ih, b_ih, w_hh, b_hh = module._direction_weights(layer, direction)
    steps = _fn.split(module._project(x, w_ih, b_ih), sizes, 0)
    outs: list[Tensor] = [None] * len(sizes)  # type: ignore[list-item]
    if direction == 0:
        ended: list[State] = []
        for t, b in enumerate(sizes):
            if b < state[0].shape[0]:
                ended.append(tuple(s[b:] for s in state))
                state = tuple(s[:b] for s in state)
            state = module._step(steps[t], state, w_hh, b_hh)
            outs[t] = state[0]
        ended.append(state)
        final = tuple(_cat([piece[k] for piece in reversed(ended)]) for k in range(len(state)))
        return _cat(outs), final
    initial, running = state, sizes[-1]
    state = tuple(s[:running] for s in initial)
    for t in range(len(sizes) - 1, -1, -1):
        b = sizes[t]
        if b > running:
            state = tuple(_fn.cat([s, s0[running:b]], 0) for s, s0 in zip(state, initial))
            running = b
        state = module._step(steps[t], state, w_hh, b_hh)
        outs[t] = state[0]
    return _cat(outs), state


def forward_packed(module: Any, packed: PackedSequence, hx: Any) -> Any:
    """The module's forward on a PackedSequence: ``(PackedSequence, h_n or (h_n, c_n))``."""
    data = packed.data
    if data.ndim != 2 or data.shape[-1] != module.input_size:
        raise ShapeError(
            f"{module!r} got a PackedSequence with data of shape {tuple(data.shape)}; "
            f"expected (sum of lengths, {module.input_size})"
        )
    sizes = np.asarray(packed.batch_sizes.tolist(), dtype=np.int64).tolist()
    states = _initial_states(module, packed, hx, sizes[0])
    directions = 2 if module.bidirectional else 1
    finals: list[State] = []
    layer_input = data
    for layer in range(module.num_layers):
        outputs = []
        for direction in range(directions):
            state = states[layer * directions + direction]
            out, final = _run(module, layer_input, sizes, layer, direction, state)
            outputs.append(out)
            finals.append(final)
        layer_input = outputs[0] if directions == 1 else _fn.cat(outputs, 1)
        if module.dropout and module.training and layer < module.num_layers - 1:
            layer_input = dropout(layer_input, module.dropout, True)
    parts = len(finals[0])
    stacked = [_fn.stack([f[k] for f in finals], 0) for k in range(parts)]
    if packed.unsorted_indices is not None:  # back to the caller's order
        stacked = [t.index_select(1, packed.unsorted_indices) for t in stacked]
    output = PackedSequence(layer_input, packed.batch_sizes, *packed.indices())
    return output, (tuple(stacked) if module._has_cell else stacked[0])
