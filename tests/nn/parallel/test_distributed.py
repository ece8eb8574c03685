"""DistributedDataParallel: on 2 MPI ranks against one process, and in a world of one."""

import numpy as np
import pytest
from mpirun import rank_files, run_mpi, run_script

import nettrain as nt
import nettrain.distributed as dist
from nettrain import nn
from nettrain.distributed import _comm, collectives
from nettrain.errors import BackendUnavailableError
from nettrain.nn.parallel import DistributedDataParallel


@pytest.fixture(scope="module")
def single_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("single")
    run_script("ddp_train.py", ("single", str(out)))
    return np.array(rank_files(out)[0]["params"])


@pytest.mark.parametrize("mode", ["ddp", "no_sync"])
def test_two_ranks_end_where_one_process_ends(mode, single_run, tmp_path):
    """Same global batches, float64: equal up to summation order; ranks bit-identical."""
    run_mpi("ddp_train.py", n=2, args=(mode, str(tmp_path)), timeout=180)
    ranks = rank_files(tmp_path)
    assert sorted(ranks) == [0, 1]
    for record in ranks.values():
        assert record["identical"], "ranks' parameters differed after some step"
        np.testing.assert_allclose(record["params"], single_run, rtol=1e-11, atol=1e-13)
    assert ranks[0]["params"] == ranks[1]["params"]


def _no_mpi():
    raise BackendUnavailableError("no mpi4py here")


@pytest.fixture
def world_of_one(monkeypatch):
    for name in _comm._LAUNCHER_SIZE_VARS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(collectives._comm, "load_mpi", _no_mpi)
    dist.init_process_group("mpi")
    yield
    dist.destroy_process_group()


def _grads(model):
    return [p.grad.numpy().copy() for p in model.parameters()]


def test_world_of_one_keeps_plain_gradients_and_prefixes_state_dict(world_of_one):
    nt.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2)).to(nt.float64)
    ddp = DistributedDataParallel(model, bucket_cap_mb=0.0001)
    assert ddp.module is model
    assert list(ddp.state_dict()) == [f"module.{k}" for k in model.state_dict()]
    x = nt.randn(5, 3, dtype=nt.float64)
    ddp(x).sum().backward()
    expected = _grads(model)
    model.zero_grad()
    model(x).sum().backward()
    for got, want in zip(expected, _grads(model)):
        np.testing.assert_array_equal(got, want)


def test_no_sync_accumulates_then_syncs_the_sum(world_of_one):
    nt.manual_seed(0)
    model = nn.Linear(3, 2).to(nt.float64)
    ddp = DistributedDataParallel(model)
    a, b = nt.randn(4, 3, dtype=nt.float64), nt.randn(4, 3, dtype=nt.float64)
    with ddp.no_sync():
        ddp(a).sum().backward()
    ddp(b).sum().backward()
    got = _grads(model)
    model.zero_grad()
    (model(a).sum() + model(b).sum()).backward()
    for g, want in zip(got, _grads(model)):
        np.testing.assert_allclose(g, want, rtol=1e-13)


class _TwoHeads(nn.Module):
    def __init__(self):
        super().__init__()
        self.a, self.b = nn.Linear(2, 1), nn.Linear(2, 1)

    def forward(self, x):
        return self.a(x)


def test_unused_parameters_raise_at_next_forward_unless_allowed(world_of_one):
    ddp = DistributedDataParallel(_TwoHeads())
    x = nt.randn(3, 2)
    ddp(x).sum().backward()
    with pytest.raises(RuntimeError, match="find_unused_parameters=True"):
        ddp(x)
    allowed = DistributedDataParallel(_TwoHeads(), find_unused_parameters=True)
    for _ in range(2):
        allowed.module.zero_grad()
        allowed(x).sum().backward()
    assert allowed.module.a.weight.grad is not None
    np.testing.assert_array_equal(allowed.module.b.weight.grad.numpy(), 0)


def test_needs_a_process_group():
    with pytest.raises(ValueError, match="init_process_group"):
        DistributedDataParallel(nn.Linear(2, 2))
