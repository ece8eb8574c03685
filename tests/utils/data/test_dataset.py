"""TensorDataset, Subset, ConcatDataset and random_split."""

from __future__ import annotations

import numpy as np
import pytest

import nettrain as nt
from nettrain.utils.data import ConcatDataset, Dataset, Subset, TensorDataset, random_split


def _dataset(n: int = 10) -> TensorDataset:
    return TensorDataset(nt.arange(n * 2, dtype=nt.float32).reshape(n, 2), nt.arange(n))


def test_tensor_dataset_rows_and_length() -> None:
    ds = _dataset()
    x, y = ds[3]
    assert len(ds) == 10 and x.tolist() == [6.0, 7.0] and y.item() == 3


def test_tensor_dataset_size_mismatch_names_the_sizes() -> None:
    with pytest.raises(ValueError, match=r"Size mismatch between tensors.*\[3, 4\]"):
        TensorDataset(nt.zeros(3, 2), nt.zeros(4))


def test_subset_and_concat() -> None:
    ds = _dataset()
    sub = Subset(ds, [7, 2])
    assert len(sub) == 2 and sub[1][1].item() == 2
    both = ds + sub
    assert isinstance(both, ConcatDataset) and len(both) == 12
    assert both[11][1].item() == 2 and both[-2][1].item() == 7 and both[9][1].item() == 9


def test_base_dataset_requires_getitem() -> None:
    with pytest.raises(NotImplementedError, match="__getitem__"):
        Dataset()[0]


@pytest.mark.parametrize(
    ("lengths", "sizes"), [([6, 4], [6, 4]), ([0.5, 0.3, 0.2], [5, 3, 2]), ([0.34, 0.66], [4, 6])]
)
def test_random_split_partitions_the_dataset(lengths: list, sizes: list) -> None:
    parts = random_split(_dataset(), lengths, generator=nt.Generator().manual_seed(1))
    assert [len(p) for p in parts] == sizes
    seen = sorted(i for p in parts for i in p.indices)
    assert seen == list(range(10))


def test_random_split_is_reproducible_and_seed_dependent() -> None:
    def split(seed: int) -> list[list[int]]:
        return [
            p.indices for p in random_split(_dataset(), [5, 5], nt.Generator().manual_seed(seed))
        ]

    assert split(3) == split(3) and split(3) != split(4)


def test_random_split_wrong_total_is_value_error() -> None:
    with pytest.raises(ValueError, match=r"Sum of input lengths \(9\) does not equal.*\(10\)"):
        random_split(_dataset(), [5, 4])


def test_random_split_matches_torch_sizes_for_fractions() -> None:
    torch = pytest.importorskip("torch")
    for n in [7, 10, 13]:
        fracs = [0.5, 0.25, 0.25]
        ours = [len(p) for p in random_split(list(range(n)), fracs)]
        theirs = [len(p) for p in torch.utils.data.random_split(list(range(n)), fracs)]
        assert ours == theirs
    assert np.all(np.asarray(ours) >= 0)
