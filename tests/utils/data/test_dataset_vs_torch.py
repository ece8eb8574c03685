"""random_split, Subset and ConcatDataset against torch.utils.data: sizes, index mapping,
negative indices and messages (the permutation itself comes from nettrain's generator)."""

from __future__ import annotations

import pytest

import nettrain as nt
from nettrain.utils import data as nd

torch = pytest.importorskip("torch")
td = torch.utils.data


@pytest.mark.parametrize(
    "n, lengths",
    [
        (10, [0.3, 0.3, 0.4]),
        (7, [0.5, 0.5]),
        (11, [0.1, 0.2, 0.7]),
        (5, [0.2] * 5),
        (101, [0.8, 0.1, 0.1]),
        (9, [4, 5]),
    ],
)
def test_random_split_sizes_match_torch(n: int, lengths: list) -> None:
    theirs = td.random_split(range(n), lengths, generator=torch.Generator().manual_seed(0))
    ours = nd.random_split(list(range(n)), lengths, generator=nt.Generator().manual_seed(0))
    assert [len(s) for s in ours] == [len(s) for s in theirs]
    seen = sorted(i for s in ours for i in s.indices)
    assert seen == list(range(n))  # a partition


def test_random_split_follows_the_generator() -> None:
    def split(seed: int) -> list:
        parts = nd.random_split(
            list(range(20)), [0.5, 0.5], generator=nt.Generator().manual_seed(seed)
        )
        return [p.indices for p in parts]

    assert split(1) == split(1) and split(1) != split(2)
    nt.manual_seed(4)
    first = [p.indices for p in nd.random_split(list(range(20)), [0.5, 0.5])]
    nt.manual_seed(4)
    assert [p.indices for p in nd.random_split(list(range(20)), [0.5, 0.5])] == first


def test_random_split_warns_about_an_empty_split_like_torch() -> None:
    with pytest.warns(UserWarning, match="Length of split at index 0 is 0"):
        nd.random_split(list(range(3)), [0.0, 1.0])


def test_random_split_rejects_fractions_outside_0_1_like_torch() -> None:
    with pytest.raises(ValueError, match="Fraction at index 0 is not between 0 and 1"):
        nd.random_split(list(range(7)), [1.2, -0.2])
    with pytest.raises(ValueError, match="Sum of input lengths"):
        nd.random_split(list(range(7)), [3, 3])


def test_concat_dataset_indexes_like_torch() -> None:
    parts = [list(range(3)), list(range(10, 14)), [99]]
    theirs, ours = td.ConcatDataset(parts), nd.ConcatDataset(parts)
    assert len(ours) == len(theirs) == 8
    assert ours.cumulative_sizes == theirs.cumulative_sizes
    assert [ours[i] for i in range(-8, 8)] == [theirs[i] for i in range(-8, 8)]
    with pytest.raises(ValueError, match="absolute value of index should not exceed"):
        ours[-9]


def test_subset_indexes_like_torch() -> None:
    theirs, ours = td.Subset(list(range(10)), [3, 1, 4]), nd.Subset(list(range(10)), [3, 1, 4])
    assert len(ours) == len(theirs)
    assert [ours[i] for i in range(-3, 3)] == [theirs[i] for i in range(-3, 3)]
    assert list(ours.indices) == list(theirs.indices)
