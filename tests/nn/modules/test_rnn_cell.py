"""RNNCell, LSTMCell and GRUCell against PyTorch and against float64 gradcheck."""

from __future__ import annotations

import numpy as np
import pytest

import nettrain as nt
import nettrain.nn as nn
from tests.helpers.torchcheck import compare, gradcheck_module

CELLS = [
    ("RNNCell", {}),
    ("RNNCell", {"nonlinearity": "relu"}),
    ("RNNCell", {"bias": False}),
    ("LSTMCell", {}),
    ("LSTMCell", {"bias": False}),
    ("GRUCell", {}),
    ("GRUCell", {"bias": False}),
]
IDS = ["rnn", "rnn_relu", "rnn_no_bias", "lstm", "lstm_no_bias", "gru", "gru_no_bias"]


def _pair(name: str, options: dict, torch) -> tuple:
    return getattr(nn, name)(3, 5, **options), getattr(torch.nn, name)(3, 5, **options)


def _with_state(base: type, cell):
    """Wrap an LSTMCell so (h_0, c_0) are two arguments and both get gradients compared."""

    class WithState(base):
        def __init__(self) -> None:
            super().__init__()
            self.cell = cell

        def forward(self, x, h, c):
            return self.cell(x, (h, c))

    return WithState()


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize(("name", "options"), CELLS, ids=IDS)
@pytest.mark.parametrize("batched", [True, False], ids=["batched", "unbatched"])
def test_cell_matches_torch(name: str, options: dict, dtype: str, batched: bool) -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    lead = (4,) if batched else ()
    x, h, c = (rng.standard_normal((*lead, k)) for k in (3, 5, 5))
    ours, theirs = _pair(name, options, torch)
    compare(ours, theirs, [x], dtype)  # hx defaults to zeros
    ours, theirs = _pair(name, options, torch)
    if name == "LSTMCell":
        ours, theirs = _with_state(nn.Module, ours), _with_state(torch.nn.Module, theirs)
        compare(ours, theirs, [x, h, c], dtype)
    else:
        compare(ours, theirs, [x, h], dtype)


def test_lstm_cell_loop_equals_lstm_layer() -> None:
    """Stepping an LSTMCell over time with the layer's weights gives the layer's output."""
    layer = nn.LSTM(3, 4).double()
    cell = nn.LSTMCell(3, 4).double()
    cell.load_state_dict({k[: -len("_l0")]: v for k, v in layer.state_dict().items()})
    x = nt.randn(5, 2, 3, dtype=nt.float64)
    out, (h_n, c_n) = layer(x)
    h = c = nt.zeros(2, 4, dtype=nt.float64)
    for t in range(5):
        h, c = cell(x[t], (h, c))
        np.testing.assert_allclose(h.detach().numpy(), out[t].detach().numpy(), atol=1e-14)
    np.testing.assert_allclose(c.detach().numpy(), c_n[0].detach().numpy(), atol=1e-14)


@pytest.mark.parametrize(("name", "options"), CELLS, ids=IDS)
def test_cell_gradcheck(name: str, options: dict) -> None:
    rng = np.random.default_rng(1)
    cell = getattr(nn, name)(3, 4, **options)
    x = nt.tensor(rng.uniform(0.5, 1.5, (2, 3)), requires_grad=True)
    h = nt.tensor(rng.uniform(0.1, 0.5, (2, 4)), requires_grad=True)
    if name == "LSTMCell":
        c = nt.tensor(rng.standard_normal((2, 4)), requires_grad=True)
        gradcheck_module(_with_state(nn.Module, cell), [x, h, c])
    else:
        gradcheck_module(cell, [x, h])


@pytest.mark.parametrize(("name", "options"), CELLS, ids=IDS)
def test_names_repr_and_init_match_torch(name: str, options: dict) -> None:
    torch = pytest.importorskip("torch")
    ours, theirs = _pair(name, options, torch)
    assert [(k, tuple(v.shape)) for k, v in ours.state_dict().items()] == [
        (k, tuple(v.shape)) for k, v in theirs.state_dict().items()
    ]
    assert repr(ours) == repr(theirs)
    assert ours.input_size == 3 and ours.hidden_size == 5
    for p in ours.parameters():
        assert np.abs(p.detach().numpy()).max() <= 1 / np.sqrt(5)
    if not options.get("bias", True):
        assert ours.bias_ih is None and ours.bias_hh is None


def test_positional_signatures_match_torch() -> None:
    cell = nn.RNNCell(3, 4, False, "relu")
    assert not cell.bias and cell.nonlinearity == "relu"
    assert not nn.LSTMCell(3, 4, False).bias and not nn.GRUCell(3, 4, False).bias


def test_bad_inputs_give_clear_messages() -> None:
    cell = nn.GRUCell(3, 4)
    with pytest.raises(nt.errors.ShapeError, match="inconsistent input_size: got 5 expected 3"):
        cell(nt.randn(2, 5))
    with pytest.raises(ValueError, match="Expected input to be 1D or 2D, got 3D"):
        cell(nt.randn(1, 2, 3))
    with pytest.raises(nt.errors.ShapeError, match=r"expected h_0 of shape \(2, 4\)"):
        cell(nt.randn(2, 3), nt.zeros(3, 4))
    with pytest.raises(TypeError, match=r"LSTMCell expects hx as a tuple \(h_0, c_0\)"):
        nn.LSTMCell(3, 4)(nt.randn(2, 3), nt.zeros(2, 4))
    with pytest.raises(nt.errors.ShapeError, match="expected c_0 of shape"):
        nn.LSTMCell(3, 4)(nt.randn(2, 3), (nt.zeros(2, 4), nt.zeros(1, 4)))
    with pytest.raises(ValueError, match="nonlinearity"):
        nn.RNNCell(3, 4, nonlinearity="gelu")


def test_cell_on_device(device: str) -> None:
    cell = nn.LSTMCell(2, 3).to(device)
    h, c = cell(nt.randn(4, 2, device=device))
    (h.sum() + c.sum()).backward()
    assert h.device == c.device == cell.weight_hh.grad.device
