"""DistributedSampler against torch's: padding, partitioning, drop_last, epochs."""

import numpy as np
import pytest

from nettrain.utils.data.distributed import DistributedSampler

torch = pytest.importorskip("torch")
from torch.utils.data.distributed import DistributedSampler as TorchSampler  # noqa: E402

CASES = [(n, r) for n in (1, 2, 5, 7, 10, 13) for r in (1, 2, 3, 4)]


@pytest.mark.parametrize(("length", "replicas"), CASES)
@pytest.mark.parametrize("drop_last", [False, True])
def test_unshuffled_equals_torch(length, replicas, drop_last):
    data = range(length)
    for rank in range(replicas):
        ours = DistributedSampler(data, replicas, rank, shuffle=False, drop_last=drop_last)
        theirs = TorchSampler(data, replicas, rank, shuffle=False, drop_last=drop_last)
        assert list(ours) == list(theirs)
        assert len(ours) == len(theirs) == len(list(ours))


@pytest.mark.parametrize(("length", "replicas"), CASES)
@pytest.mark.parametrize("drop_last", [False, True])
def test_shuffled_is_torchs_rule_applied_to_our_permutation(length, replicas, drop_last):
    """Padding and striding act on positions, so ours == perm[torch's unshuffled positions]."""
    data = range(length)
    for epoch in (0, 3):
        perm = np.random.default_rng(7 + epoch).permutation(length)
        for rank in range(replicas):
            ours = DistributedSampler(data, replicas, rank, seed=7, drop_last=drop_last)
            ours.set_epoch(epoch)
            positions = list(TorchSampler(data, replicas, rank, False, drop_last=drop_last))
            assert list(ours) == perm[positions].tolist()


def test_shares_are_disjoint_cover_the_data_and_change_by_epoch():
    data = range(12)
    shares = [DistributedSampler(data, 3, r, seed=1) for r in range(3)]
    first = [list(s) for s in shares]
    assert sorted(sum(first, [])) == list(range(12))
    assert first == [list(s) for s in shares]  # deterministic within an epoch
    for s in shares:
        s.set_epoch(1)
    second = [list(s) for s in shares]
    assert second != first and sorted(sum(second, [])) == list(range(12))


def test_bad_rank_and_missing_group():
    with pytest.raises(ValueError, match=r"Invalid rank 2, rank should be in the interval"):
        DistributedSampler(range(4), num_replicas=2, rank=2)
    with pytest.raises(RuntimeError, match="init_process_group"):
        DistributedSampler(range(4))
