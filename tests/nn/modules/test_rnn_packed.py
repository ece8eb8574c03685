"""RNN, LSTM and GRU on PackedSequence input against PyTorch, and float64 gradcheck.

Each side packs the same padded batch (unsorted lengths, so sorted_indices and the hx
permutation are exercised), runs the layer and pads the output back, so outputs, final
states and the gradients of input, hx and every parameter can be compared.
"""

from __future__ import annotations

import numpy as np
import pytest

import nettrain as nt
import nettrain.nn as nn
from nettrain.nn.utils.rnn import PackedSequence, pack_padded_sequence, pad_packed_sequence
from tests.helpers.torchcheck import compare, gradcheck_module

LENGTHS = [3, 5, 1, 4]
OPTIONS = [
    {},
    {"bias": False},
    {"bidirectional": True},
    {"num_layers": 2, "bidirectional": True},
    {"num_layers": 3, "dropout": 0.5},  # eval mode below: dropout is inactive
]
IDS = ["default", "no_bias", "bidirectional", "two_layers_bidirectional", "dropout"]


def _packed(base: type, layer, pack, pad, lengths, enforce_sorted=False):
    """A module that packs its padded input, runs ``layer`` and pads the output back."""

    class Packed(base):
        def __init__(self) -> None:
            super().__init__()
            self.layer = layer

        def forward(self, x, *hx):
            state = None if not hx else (hx[0] if len(hx) == 1 else tuple(hx))
            out, h = self.layer(pack(x, lengths, enforce_sorted=enforce_sorted), state)
            return pad(out)[0], h

    return Packed()


def _pair(cls: str, options: dict, torch, lengths=LENGTHS, enforce_sorted=False) -> tuple:
    tu = torch.nn.utils.rnn
    ours = getattr(nn, cls)(3, 4, **options).eval()
    theirs = getattr(torch.nn, cls)(3, 4, **options).eval()
    return (
        _packed(
            nn.Module, ours, pack_padded_sequence, pad_packed_sequence, lengths, enforce_sorted
        ),
        _packed(
            torch.nn.Module,
            theirs,
            tu.pack_padded_sequence,
            tu.pad_packed_sequence,
            lengths,
            enforce_sorted,
        ),
    )


def _states(cls: str, options: dict, rng, batch: int) -> list:
    layers = options.get("num_layers", 1) * (2 if options.get("bidirectional") else 1)
    count = 2 if cls == "LSTM" else 1
    return [rng.standard_normal((layers, batch, 4)) for _ in range(count)]


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("options", OPTIONS, ids=IDS)
@pytest.mark.parametrize("cls", ["RNN", "LSTM", "GRU"])
def test_packed_matches_torch(cls: str, options: dict, dtype: str) -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    x = rng.standard_normal((max(LENGTHS), len(LENGTHS), 3))
    compare(*_pair(cls, options, torch), [x], dtype)  # hx defaults to zeros
    states = _states(cls, options, rng, len(LENGTHS))
    compare(*_pair(cls, options, torch), [x, *states], dtype)


@pytest.mark.parametrize("cls", ["RNN", "LSTM", "GRU"])
def test_packed_sorted_batch_matches_torch(cls: str) -> None:
    torch = pytest.importorskip("torch")
    lengths = [5, 4, 4, 2]
    rng = np.random.default_rng(1)
    x = rng.standard_normal((5, 4, 3))
    options = {"bidirectional": True}
    states = _states(cls, options, rng, 4)
    pair = _pair(cls, options, torch, lengths=lengths, enforce_sorted=True)
    compare(*pair, [x, *states])


def test_final_state_is_each_sequences_last_step() -> None:
    lstm = nn.LSTM(3, 4).double()
    x = nt.randn(5, 3, 3, dtype=nt.float64)
    lengths = [2, 5, 3]
    lstm.requires_grad_(False)
    out, (h_n, _) = lstm(pack_padded_sequence(x, lengths, enforce_sorted=False))
    assert isinstance(out, PackedSequence)
    padded, got = pad_packed_sequence(out)
    assert got.tolist() == lengths
    for b, n in enumerate(lengths):
        alone, (h_alone, _) = lstm(x[:n, b])  # the sequence on its own, unbatched
        np.testing.assert_allclose(h_n[0, b].numpy(), h_alone[0].numpy(), atol=1e-14)
        np.testing.assert_allclose(padded[:n, b].numpy(), alone.numpy(), atol=1e-14)
        assert not np.any(padded[n:, b].numpy())


@pytest.mark.parametrize("cls", ["RNN", "LSTM", "GRU"])
def test_packed_gradcheck(cls: str) -> None:
    layer = getattr(nn, cls)(2, 3, num_layers=2, bidirectional=True)
    module = _packed(nn.Module, layer, pack_padded_sequence, pad_packed_sequence, [3, 1, 2])
    x = nt.tensor(np.random.default_rng(2).uniform(0.5, 1.5, (3, 3, 2)), requires_grad=True)
    gradcheck_module(module, [x])


def test_packed_shape_errors() -> None:
    lstm = nn.LSTM(3, 4)
    packed = pack_padded_sequence(nt.randn(4, 2, 3), [4, 2])
    with pytest.raises(nt.errors.ShapeError, match=r"expected h_0 of shape \(1, 2, 4\)"):
        lstm(packed, (nt.zeros(1, 3, 4), nt.zeros(1, 3, 4)))
    with pytest.raises(nt.errors.ShapeError, match=r"data of shape \(6, 5\)"):
        lstm(pack_padded_sequence(nt.randn(4, 2, 5), [4, 2]))
    with pytest.raises(TypeError, match="GRU expects hx as a Tensor"):
        nn.GRU(3, 4)(packed, (nt.zeros(1, 2, 4),))


def test_packed_on_device(device: str) -> None:
    gru = nn.GRU(2, 3, bidirectional=True).to(device)
    x = nt.randn(4, 3, 2, device=device, requires_grad=True)
    out, h = gru(pack_padded_sequence(x, [2, 4, 1], enforce_sorted=False))
    padded, _ = pad_packed_sequence(out, batch_first=True)
    (padded.sum() + h.sum()).backward()
    assert padded.device == h.device == x.grad.device == gru.weight_hh_l0.grad.device
