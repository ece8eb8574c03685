"""pad_sequence and packed sequences against torch.nn.utils.rnn, values and gradients."""

from __future__ import annotations

import numpy as np
import pytest

import nettrain as nt
from nettrain.nn.utils import rnn

LENGTHS = [(3, 5, 1, 4), (4, 4, 2), (1,), (6, 3, 3, 1)]


def _seqs(lengths, trailing=(2,), seed=0):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal((n, *trailing)) for n in lengths]


def _grads_match(ours, theirs, n_out, t_out) -> None:
    """Backward a shared random weighting of both outputs; compare the inputs' grads."""
    import torch

    g = np.random.default_rng(9).standard_normal(tuple(t_out.shape))
    (t_out * torch.tensor(g)).sum().backward()
    (n_out * nt.tensor(g)).sum().backward()
    for a, b in zip(ours, theirs):
        np.testing.assert_array_equal(a.grad.numpy(), b.grad.numpy())


@pytest.mark.parametrize("lengths", LENGTHS)
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("padding_side", ["right", "left"])
def test_pad_sequence_matches_torch(lengths, batch_first, padding_side) -> None:
    torch = pytest.importorskip("torch")
    seqs = _seqs(lengths, trailing=(2, 3))
    theirs = [torch.tensor(s, requires_grad=True) for s in seqs]
    ours = [nt.tensor(s, requires_grad=True) for s in seqs]
    t_out = torch.nn.utils.rnn.pad_sequence(theirs, batch_first, -2.5, padding_side)
    n_out = rnn.pad_sequence(ours, batch_first, -2.5, padding_side)
    np.testing.assert_array_equal(n_out.detach().numpy(), t_out.detach().numpy())
    _grads_match(ours, theirs, n_out, t_out)


def test_pad_sequence_keeps_float32_and_checks_shapes() -> None:
    out = rnn.pad_sequence([nt.zeros(2, 3), nt.zeros(1, 3)])
    assert out.dtype == nt.float32 and out.shape == (2, 2, 3)
    with pytest.raises(ValueError, match=r"sequence 1 has shape \(2, 4\)"):
        rnn.pad_sequence([nt.zeros(2, 3), nt.zeros(2, 4)])
    with pytest.raises(ValueError, match="padding_side"):
        rnn.pad_sequence([nt.zeros(2, 3)], padding_side="middle")


@pytest.mark.parametrize("lengths", LENGTHS)
@pytest.mark.parametrize("batch_first", [False, True])
def test_pack_padded_and_pad_packed_match_torch(lengths, batch_first) -> None:
    torch = pytest.importorskip("torch")
    longest = max(lengths)
    batch = len(lengths)
    shape = (batch, longest, 2) if batch_first else (longest, batch, 2)
    x = np.random.default_rng(1).standard_normal(shape)
    t_x, n_x = torch.tensor(x, requires_grad=True), nt.tensor(x, requires_grad=True)
    t_p = torch.nn.utils.rnn.pack_padded_sequence(t_x, list(lengths), batch_first, False)
    n_p = rnn.pack_padded_sequence(n_x, nt.tensor(list(lengths)), batch_first, False)
    np.testing.assert_array_equal(n_p.data.detach().numpy(), t_p.data.detach().numpy())
    assert n_p.batch_sizes.tolist() == t_p.batch_sizes.tolist()
    assert n_p.sorted_indices.tolist() == t_p.sorted_indices.tolist()
    assert n_p.unsorted_indices.tolist() == t_p.unsorted_indices.tolist()
    t_pad, t_len = torch.nn.utils.rnn.pad_packed_sequence(t_p, batch_first, 7.0, longest + 2)
    n_pad, n_len = rnn.pad_packed_sequence(n_p, batch_first, 7.0, longest + 2)
    np.testing.assert_array_equal(n_pad.detach().numpy(), t_pad.detach().numpy())
    assert n_len.tolist() == t_len.tolist() and n_len.dtype == nt.int64
    _grads_match([n_x], [t_x], n_pad, t_pad)


def test_pack_sequence_sorted_and_round_trip() -> None:
    torch = pytest.importorskip("torch")
    seqs = _seqs((4, 2, 2, 1))
    t_p = torch.nn.utils.rnn.pack_sequence([torch.tensor(s) for s in seqs])
    n_p = rnn.pack_sequence([nt.tensor(s) for s in seqs])
    assert n_p.sorted_indices is None and n_p.unsorted_indices is None
    np.testing.assert_array_equal(n_p.data.numpy(), t_p.data.numpy())
    padded, lengths = rnn.pad_packed_sequence(n_p, batch_first=True)
    assert lengths.tolist() == [4, 2, 2, 1]
    for k, s in enumerate(seqs):
        np.testing.assert_array_equal(padded[k, : len(s)].numpy(), s)
    moved = rnn.pack_sequence([nt.zeros(2, 1), nt.zeros(1, 1)], enforce_sorted=False)
    moved = moved.to(nt.float64)
    assert moved.data.dtype == nt.float64 and not moved.is_cuda
    assert moved.batch_sizes.tolist() == [2, 1] and moved.sorted_indices.tolist() == [0, 1]


def test_pack_errors_are_clear() -> None:
    with pytest.raises(RuntimeError, match="must be sorted in decreasing order"):
        rnn.pack_sequence([nt.zeros(1, 2), nt.zeros(2, 2)])
    with pytest.raises(RuntimeError, match="greater than 0"):
        rnn.pack_padded_sequence(nt.zeros(3, 2), [3, 0])
    with pytest.raises(RuntimeError, match="exceeds the 3 time steps"):
        rnn.pack_padded_sequence(nt.zeros(3, 2), [4, 1])
    with pytest.raises(ValueError, match="got 3 lengths for a batch of 2"):
        rnn.pack_padded_sequence(nt.zeros(3, 2), [3, 2, 1])
    packed = rnn.pack_sequence([nt.zeros(3, 2)])
    with pytest.raises(ValueError, match="total_length=2 and max sequence length being 3"):
        rnn.pad_packed_sequence(packed, total_length=2)


def test_pad_sequence_on_device(device: str) -> None:
    seqs = [nt.randn(n, 2, device=device, requires_grad=True) for n in (3, 1)]
    out = rnn.pad_sequence(seqs, batch_first=True)
    out.sum().backward()
    assert out.device == seqs[0].grad.device and out.shape == (2, 3, 2)
