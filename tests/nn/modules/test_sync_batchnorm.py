"""SyncBatchNorm on 2 MPI ranks equals BatchNorm2d on the concatenated batch."""

import sys
from pathlib import Path

import numpy as np
import pytest

import nettrain as nt
from nettrain import nn

sys.path.insert(0, str(Path(__file__).parents[2] / "distributed"))
from mpirun import rank_files, run_mpi  # noqa: E402


def _reference():
    """What the script computes, with BatchNorm2d on the whole batch in one process."""
    rng = np.random.default_rng(3)
    full = rng.standard_normal((6, 3, 4, 5)) * 2 + 1
    weights = rng.standard_normal(full.shape)
    x = nt.tensor(full, dtype=nt.float64, requires_grad=True)
    bn = nn.BatchNorm2d(3, momentum=0.3).to(nt.float64)
    with nt.no_grad():
        bn.weight.copy_(nt.tensor([0.5, -1.0, 2.0], dtype=nt.float64))
        bn.bias.copy_(nt.tensor([0.1, 0.2, 0.3], dtype=nt.float64))
    y = bn(x)
    (y * nt.tensor(weights, dtype=nt.float64)).sum().backward()
    return y.detach().numpy(), x.grad.numpy(), bn


def test_two_ranks_equal_batchnorm_on_the_whole_batch(tmp_path):
    run_mpi("sync_batchnorm.py", n=2, args=(str(tmp_path),), timeout=90)
    ranks = rank_files(tmp_path)
    y, x_grad, bn = _reference()
    tol = {"rtol": 1e-10, "atol": 1e-12}
    for record in ranks.values():
        rows = record["rows"]
        np.testing.assert_allclose(record["y"], y[rows], **tol)
        np.testing.assert_allclose(record["x_grad"], x_grad[rows], **tol)
        np.testing.assert_allclose(record["running_mean"], bn.running_mean.numpy(), **tol)
        np.testing.assert_allclose(record["running_var"], bn.running_var.numpy(), **tol)
    # each rank holds its share of the parameter gradients; DDP would sum them
    for name in ("weight", "bias"):
        total = sum(np.array(r[f"{name}_grad"]) for r in ranks.values())
        np.testing.assert_allclose(total, getattr(bn, name).grad.numpy(), **tol)


def test_outside_a_process_group_it_is_batchnorm():
    nt.manual_seed(0)
    x = nt.randn(4, 2, 3)
    sync, plain = nn.SyncBatchNorm(2), nn.BatchNorm1d(2)
    np.testing.assert_array_equal(sync(x).detach().numpy(), plain(x).detach().numpy())
    np.testing.assert_array_equal(sync.running_var.numpy(), plain.running_var.numpy())


def test_convert_sync_batchnorm_keeps_state_and_keys():
    model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2), nn.Sequential(nn.BatchNorm1d(2)))
    keys = list(model.state_dict())
    weight = model[1].weight
    converted = nn.SyncBatchNorm.convert_sync_batchnorm(model)
    assert isinstance(converted[1], nn.SyncBatchNorm)
    assert isinstance(converted[2][0], nn.SyncBatchNorm)
    assert converted[1].weight is weight
    assert list(converted.state_dict()) == keys


def test_refuses_input_without_channels():
    with pytest.raises(ValueError, match="expected 2D or 3D or 4D or 5D input"):
        nn.SyncBatchNorm(2)(nt.randn(3))


class _TwinComm:
    """A fake world of 2 ranks holding identical data: every sum doubles."""

    rank, size = 0, 2

    def allreduce(self, array, op):
        array *= 2


@pytest.fixture
def twin_world(monkeypatch):
    from nettrain.distributed import collectives

    monkeypatch.setitem(collectives._STATE, "comm", _TwinComm())
    monkeypatch.setitem(collectives._STATE, "backend", "mpi")


def test_synced_path_in_process_equals_batchnorm_on_the_doubled_batch(twin_world):
    nt.manual_seed(0)
    x = nt.randn(3, 2, 4, dtype=nt.float64, requires_grad=True)
    w = nt.randn(3, 2, 4, dtype=nt.float64)
    sync = nn.SyncBatchNorm(2).to(nt.float64)
    y_sync = sync(x)
    (y_sync * w).sum().backward()
    both = nt.cat([x.detach(), x.detach()]).requires_grad_()
    plain = nn.BatchNorm1d(2).to(nt.float64)
    y = plain(both)
    (y * nt.cat([w, w])).sum().backward()
    np.testing.assert_allclose(y_sync.detach().numpy(), y.detach().numpy()[:3], rtol=1e-12)
    np.testing.assert_allclose(x.grad.numpy(), both.grad.numpy()[:3], rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(sync.running_var.numpy(), plain.running_var.numpy(), rtol=1e-12)


def test_synced_path_gradcheck(twin_world):
    from nettrain.autograd import gradcheck

    nt.manual_seed(1)
    sync = nn.SyncBatchNorm(2).to(nt.float64)
    x = nt.randn(3, 2, 2, dtype=nt.float64, requires_grad=True)
    assert gradcheck(lambda t: sync(t), (x,))
