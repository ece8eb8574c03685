"""Data-parallel shares: slices of each batch, loss scales, sharded draws, reductions."""

import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import nettrain as nt
import nettrain.distributed as dist
import nettrain.nn as nn
import nettrain.nn.functional as F
from nettrain.distributed import _comm, collectives
from nettrain.errors import BackendUnavailableError
from nettrain.training import parallel as par
from nettrain.training.metrics import MetricAccumulator
from nettrain.utils.data import BatchSampler, RandomSampler, SequentialSampler

sys.path.insert(0, str(Path(__file__).parents[1] / "distributed"))
from mpirun import rank_files, run_mpi  # noqa: E402


@given(st.integers(1, 200), st.integers(1, 9))
def test_shares_cover_every_row_once_in_order(total, size):
    shares = [par.share_of(total, r, size) for r in range(size)]
    rows = [i for s in shares for i in range(s.start, s.start + s.count)]
    assert rows == list(range(total))
    counts = [s.count for s in shares]
    assert max(counts) - min(counts) <= 1
    for s in shares:
        assert s.rows == max(s.count, 1) and (s.count or s.start == 0)


def test_sharded_batches_are_slices_of_the_one_process_batches():
    def batches(rank=None, size=2):
        sampler = RandomSampler(range(23), generator=nt.Generator().manual_seed(5))
        global_batches = BatchSampler(sampler, 8, False)
        if rank is None:
            return list(global_batches)
        return list(par.ShardedBatchSampler(global_batches, rank, size))

    single = batches()
    for size in (2, 3):
        ranks = [batches(r, size) for r in range(size)]
        assert all(len(b) == len(single) for b in ranks)
        for k, batch in enumerate(single):
            assert [i for r in range(size) for i in ranks[r][k]] == batch
    # 23 = 8 + 8 + 7; four ranks: the last batch gives 2, 2, 2, 1 rows
    assert [len(b[-1]) for b in (batches(r, 4) for r in range(4))] == [2, 2, 2, 1]
    assert par.global_batch_sizes(23, 8, False) == [8, 8, 7]
    assert par.global_batch_sizes(23, 8, True) == [8, 8]


def test_a_rank_without_rows_runs_the_first_row_with_weight_zero():
    sampler = BatchSampler(SequentialSampler(range(9)), 4, False)  # last batch: [8]
    assert list(par.ShardedBatchSampler(sampler, 1, 2)) == [[2, 3], [6, 7], [8]]
    empty = par.share_of(1, 1, 2)
    assert (empty.count, empty.rows, par.loss_scale(empty, 2)) == (0, 1, 0.0)


@pytest.mark.parametrize(("total", "size"), [(8, 2), (7, 2), (7, 3), (2, 3)])
@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_scaled_rank_gradients_averaged_equal_the_global_batch_gradient(total, size, reduction):
    """What DDP computes (the mean over ranks of each rank's scaled-loss gradient) equals
    the gradient of the loss over the whole batch, in float64."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(total, 3))
    y = rng.integers(0, 4, size=total)
    weight = rng.normal(size=(4, 3))

    def grad(rows, scale=1.0):
        w = nt.tensor(weight, requires_grad=True)
        loss = F.cross_entropy(nt.tensor(x[rows]) @ w.t(), nt.tensor(y[rows]), reduction=reduction)
        (loss * scale).backward()
        return w.grad.numpy()

    expected = grad(list(range(total)))
    averaged = np.zeros_like(expected)
    for rank in range(size):
        share = par.share_of(total, rank, size)
        rows = list(range(share.start, share.start + share.rows))
        averaged += grad(rows, par.loss_scale(share, size, reduction)) / size
    np.testing.assert_allclose(averaged, expected, rtol=1e-12, atol=1e-14)


def test_scaled_gradients_match_torch_on_a_short_batch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    x, y, weight = rng.normal(size=(5, 3)), rng.integers(0, 4, size=5), rng.normal(size=(4, 3))
    w = torch.tensor(weight, requires_grad=True)
    torch.nn.functional.cross_entropy(torch.tensor(x) @ w.t(), torch.tensor(y)).backward()
    averaged = np.zeros_like(weight)
    for rank in range(2):
        share = par.share_of(5, rank, 2)
        rows = slice(share.start, share.start + share.rows)
        mine = nt.tensor(weight, requires_grad=True)
        loss = F.cross_entropy(nt.tensor(x[rows]) @ mine.t(), nt.tensor(y[rows]))
        (loss * par.loss_scale(share, 2)).backward()
        averaged += mine.grad.numpy() / 2
    np.testing.assert_allclose(averaged, w.grad.numpy(), rtol=1e-12)


@pytest.mark.parametrize(("total", "size"), [(6, 2), (7, 3), (1, 2)])
def test_sharded_draws_are_the_rank_rows_of_the_one_process_draw(total, size):
    gen = nt.Generator().manual_seed(11)
    whole = gen.random((total, 5))
    after = gen.random((3,))
    for rank in range(size):
        share = par.share_of(total, rank, size)
        mine = nt.Generator().manual_seed(11)
        with par.sharded_draws(share, mine):
            got = mine.random((share.rows, 5))
        if share.count:
            np.testing.assert_array_equal(got, whole[share.start : share.start + share.count])
        np.testing.assert_array_equal(mine.random((3,)), after)  # the stream is in step
        assert "random" not in vars(mine)  # the patch is gone


def test_dropout_masks_of_the_ranks_equal_the_one_process_mask():
    nt.manual_seed(4)
    x = nt.ones(6, 10, dtype=nt.float64)
    whole = nn.Dropout(0.5)(x).numpy()
    for rank in range(2):
        nt.manual_seed(4)
        share = par.share_of(6, rank, 2)
        with par.sharded_draws(share):
            mine = nn.Dropout(0.5)(nt.ones(3, 10, dtype=nt.float64)).numpy()
        np.testing.assert_array_equal(mine, whole[share.start : share.start + 3])


def test_non_batch_shaped_draws_are_left_alone():
    gen = nt.Generator().manual_seed(2)
    with par.sharded_draws(par.share_of(8, 1, 2), gen):
        got = gen.random((5,))
    np.testing.assert_array_equal(got, nt.Generator().manual_seed(2).random((5,)))


def test_shard_dataset_counts_every_sample_once():
    data = list(range(11))
    shards = [par.shard_dataset(data, r, 3) for r in range(3)]
    assert [len(s) for s in shards] == [4, 4, 3]
    assert [s[i] for s in shards for i in range(len(s))] == data
    assert len(par.shard_dataset([1], 1, 2)) == 0  # no padding: an empty shard


@pytest.fixture
def world_of_one(monkeypatch):
    for name in _comm._LAUNCHER_SIZE_VARS:
        monkeypatch.delenv(name, raising=False)

    def no_mpi():
        raise BackendUnavailableError("no mpi4py")

    monkeypatch.setattr(collectives._comm, "load_mpi", no_mpi)
    dist.init_process_group("mpi")
    yield
    dist.destroy_process_group()


def test_reductions_in_a_world_of_one_are_the_local_values(world_of_one):
    local = MetricAccumulator("classification", ["loss", "accuracy"])
    local.update(0.5, nt.tensor([[1.0, 0.0], [0.0, 1.0]]), nt.tensor([0, 0]))
    step, stop = par.reduce_step(local, stop=False)
    assert (step.count, step.loss_sum, step.correct, stop) == (2, 1.0, 1, False)
    assert par.reduce_step(local, stop=True)[1] is True
    epoch = MetricAccumulator("classification", ["loss", "accuracy"])
    par.add_sums(epoch, step)
    par.add_sums(epoch, step)
    assert epoch.result() == {"loss": 0.5, "accuracy": 0.5}
    par.reduce_accumulator(epoch)
    assert epoch.count == 4 and isinstance(epoch.count, int)
    assert par.agree(True) and not par.agree(False)
    assert par.broadcast_text("runs/x/1") == "runs/x/1"
    par.check_replicas(nn.Linear(2, 2).parameters(), "at epoch 1")


def test_parameter_digest_sees_one_bit():
    a = nt.tensor([1.0, 2.0])
    b = nt.tensor(np.nextafter(np.float32([1.0, 2.0]), np.float32(3)))
    assert par.parameter_digest([a]) == par.parameter_digest([nt.tensor([1.0, 2.0])])
    assert par.parameter_digest([a]) != par.parameter_digest([b])


def test_helpers_on_two_ranks(tmp_path):
    run_mpi("parallel_helpers.py", n=2, args=(str(tmp_path),), timeout=90)
    ranks = rank_files(tmp_path)
    assert sorted(ranks) == [0, 1]
    for record in ranks.values():
        assert record["step"] == [5, 5 * 0.25 + 0.0, 3]  # count, loss_sum, correct
        assert record["stop"] is True  # only rank 1 asked
        assert record["val_count"] == 7  # 4 + 3 samples, none padded
        assert record["text"] == "runs/tiny/20260101-000000"
        assert "rank(s) [1]" in record["mismatch"]
        assert record["same"] == "ok"
