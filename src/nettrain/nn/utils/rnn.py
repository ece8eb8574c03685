"""Variable-length sequences: ``pad_sequence`` and packed sequences, as ``torch.nn.utils.rnn``.

Every function here is one gather: the index grid is computed on the host from the
lengths (a handful of integers), and the data moves in a single differentiable indexing
op, so gradients flow back to the sequences and padding gets none. A padding row appended
to the data is what every "no element here" slot of the grid points at.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np

from nettrain import functions as _fn
from nettrain.backend import get_array_module
from nettrain.creation import full, tensor
from nettrain.tensor import Tensor

__all__ = [
    "PackedSequence",
    "pack_padded_sequence",
    "pack_sequence",
    "pad_packed_sequence",
    "pad_sequence",
]


class PackedSequence(NamedTuple):
    """Time-major packed rows of a batch of sequences sorted by decreasing length.

    ``data`` holds step 0 of every sequence, then step 1 of those still running, and so
    on; ``batch_sizes[t]`` (an int64 CPU tensor) says how many rows step ``t`` has.
    ``sorted_indices`` maps the sorted order back to the caller's batch order (None when
    the batch was already sorted); ``unsorted_indices`` is its inverse.
    """

    data: Tensor
    batch_sizes: Tensor
    sorted_indices: Tensor | None = None
    unsorted_indices: Tensor | None = None

    def to(self, *args: Any, **kwargs: Any) -> PackedSequence:
        """Move ``data`` (and the index tensors, to its device); batch_sizes stays on CPU."""
        data = self.data.to(*args, **kwargs)
        device = data.device
        idx = [None if t is None else t.to(device) for t in self.indices()]
        return PackedSequence(data, self.batch_sizes, *idx)

    def indices(self) -> tuple[Tensor | None, Tensor | None]:
        """``(sorted_indices, unsorted_indices)``."""
        return self.sorted_indices, self.unsorted_indices

    @property
    def is_cuda(self) -> bool:
        return self.data.is_cuda


def _ints(values: Any) -> np.ndarray:
    """Host int64 copy of a list or tensor of lengths / indices."""
    if isinstance(values, Tensor):
        values = values.tolist()
    return np.asarray(values, dtype=np.int64).reshape(-1)


def _gather(rows: Tensor, padding_value: float, index: np.ndarray) -> Tensor:
    """``cat([rows, padding_row])[index]``: index == len(rows) selects the padding row."""
    pad = full((1, *rows.shape[1:]), padding_value, dtype=rows.dtype, device=rows.device)
    flat = _fn.cat([rows, pad], 0)
    xp = get_array_module(rows._data)
    return flat[Tensor._make(xp.asarray(index))]


def _index_tensor(values: np.ndarray, like: Tensor) -> Tensor:
    return tensor(values, dtype=np.int64, device=like.device)


def pad_sequence(
    sequences: Tensor | Sequence[Tensor],
    batch_first: bool = False,
    padding_value: float = 0.0,
    padding_side: str = "right",
) -> Tensor:
    """Stack sequences of shapes ``(L_i, *)`` into ``(L_max, B, *)`` (``(B, L_max, *)``).

    Args:
        sequences: tensors whose first dimension is the (varying) length.
        batch_first: put the batch dimension first.
        padding_value: the value of the padded slots.
        padding_side: ``'right'`` pads after each sequence, ``'left'`` before it.
    """
    if padding_side not in ("right", "left"):
        raise ValueError(
            f"Expected padding_side to be one of left or right, but got {padding_side}."
        )
    seqs = list(_fn.unbind(sequences, 0) if isinstance(sequences, Tensor) else sequences)
    if not seqs:
        raise ValueError("pad_sequence: received an empty list of sequences")
    trailing = tuple(seqs[0].shape[1:])
    for k, s in enumerate(seqs):
        if s.ndim == 0 or tuple(s.shape[1:]) != trailing:
            raise ValueError(
                f"pad_sequence: every sequence needs shape (L, *{trailing}) like sequence 0, "
                f"but sequence {k} has shape {tuple(s.shape)}"
            )
    lengths = np.array([s.shape[0] for s in seqs], dtype=np.int64)
    longest = int(lengths.max())
    offsets = np.cumsum(lengths) - lengths
    t = np.arange(longest)[:, None]
    shift = longest - lengths if padding_side == "left" else np.zeros_like(lengths)
    valid = (t >= shift) & (t < shift + lengths)
    index = np.where(valid, offsets + t - shift, lengths.sum())
    return _gather(_fn.cat(seqs, 0), padding_value, index.T if batch_first else index)


def pack_padded_sequence(
    input: Tensor,  # noqa: A002
    lengths: Tensor | Sequence[int],
    batch_first: bool = False,
    enforce_sorted: bool = True,
) -> PackedSequence:
    """Pack a padded batch ``(T, B, *)`` (``(B, T, *)``) of sequences of ``lengths``.

    With ``enforce_sorted`` the lengths must already decrease; otherwise the batch is
    sorted here and ``sorted_indices`` records the permutation.
    """
    lens = _ints(lengths)
    steps, batch = (input.shape[1], input.shape[0]) if batch_first else input.shape[:2]
    if lens.size != batch:
        raise ValueError(
            f"pack_padded_sequence: got {lens.size} lengths for a batch of {batch} "
            f"sequences (input shape {tuple(input.shape)}, batch_first={batch_first})"
        )
    if lens.min() <= 0:
        raise RuntimeError(
            "Length of all samples has to be greater than 0, but found an element in "
            "'lengths' that is <= 0"
        )
    if lens.max() > steps:
        raise RuntimeError(
            f"pack_padded_sequence: a length of {lens.max()} exceeds the {steps} time steps "
            f"of input of shape {tuple(input.shape)} (batch_first={batch_first})"
        )
    if enforce_sorted:
        if np.any(np.diff(lens) > 0):
            raise RuntimeError(
                "`lengths` array must be sorted in decreasing order when `enforce_sorted` "
                "is True. You can pass `enforce_sorted=False` to pack_padded_sequence "
                "and/or pack_sequence to sidestep this requirement if you do not need "
                "ONNX exportability."
            )
        order = np.arange(batch)
    else:
        order = np.argsort(-lens, kind="stable")
    sorted_lens = lens[order]
    longest = int(sorted_lens[0])
    time_idx, pos = np.nonzero(np.arange(longest)[:, None] < sorted_lens[None, :])
    batch_idx = order[pos]
    xp = get_array_module(input._data)
    grid = (batch_idx, time_idx) if batch_first else (time_idx, batch_idx)
    data = input[tuple(Tensor._make(xp.asarray(g)) for g in grid)]
    batch_sizes = tensor((np.arange(longest)[:, None] < sorted_lens[None, :]).sum(axis=1))
    if enforce_sorted:
        return PackedSequence(data, batch_sizes.long())
    unsorted = np.empty_like(order)
    unsorted[order] = np.arange(batch)
    return PackedSequence(
        data, batch_sizes.long(), _index_tensor(order, input), _index_tensor(unsorted, input)
    )


def pad_packed_sequence(
    sequence: PackedSequence,
    batch_first: bool = False,
    padding_value: float = 0.0,
    total_length: int | None = None,
) -> tuple[Tensor, Tensor]:
    """Undo ``pack_padded_sequence``: the padded batch (caller's order) and its lengths."""
    sizes = _ints(sequence.batch_sizes)
    steps, batch = sizes.size, int(sizes[0])
    if total_length is not None:
        if total_length < steps:
            raise ValueError(
                "Expected total_length to be at least the length of the longest sequence "
                f"in input, but got total_length={total_length} and max sequence length "
                f"being {steps}"
            )
        steps = total_length
    sizes_full = np.zeros(steps, dtype=np.int64)
    sizes_full[: sizes.size] = sizes
    offsets = np.cumsum(sizes_full) - sizes_full
    pos = np.arange(batch)[None, :]
    index = np.where(pos < sizes_full[:, None], offsets[:, None] + pos, sizes.sum())
    lengths = (sizes[:, None] > np.arange(batch)[None, :]).sum(axis=0)
    if sequence.unsorted_indices is not None:
        unsorted = _ints(sequence.unsorted_indices)
        index, lengths = index[:, unsorted], lengths[unsorted]
    padded = _gather(sequence.data, padding_value, index.T if batch_first else index)
    return padded, tensor(lengths).long()


def pack_sequence(sequences: Sequence[Tensor], enforce_sorted: bool = True) -> PackedSequence:
    """Pack a list of ``(L_i, *)`` sequences (decreasing lengths unless not enforced)."""
    lengths = [s.shape[0] for s in sequences]
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)
