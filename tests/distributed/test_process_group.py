"""The default group in one process: the world of one, errors, and launcher checks."""

import numpy as np
import pytest

import nettrain as nt
import nettrain.distributed as dist
from nettrain.distributed import _comm, collectives
from nettrain.errors import BackendUnavailableError


def _no_mpi():
    raise BackendUnavailableError("no mpi4py here; install with: " + _comm.INSTALL_HINT)


@pytest.fixture
def single(monkeypatch):
    """A process group of one, as without MPI installed; destroyed afterwards."""
    for name in _comm._LAUNCHER_SIZE_VARS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(collectives._comm, "load_mpi", _no_mpi)
    dist.init_process_group("mpi")
    yield
    dist.destroy_process_group()


def test_world_of_one_collectives_are_identity(single):
    assert dist.is_initialized() and dist.get_rank() == 0 and dist.get_world_size() == 1
    t = nt.tensor([1.0, 2.0, 3.0])
    for op in dist.ReduceOp:
        dist.all_reduce(t, op=op)
    dist.all_reduce(t, async_op=True).wait()
    dist.broadcast(t, src=0)
    out = [nt.zeros(3)]
    dist.all_gather(out, t)
    dist.barrier()
    np.testing.assert_array_equal(out[0].numpy(), [1.0, 2.0, 3.0])
    np.testing.assert_array_equal(t.numpy(), [1.0, 2.0, 3.0])


def test_not_initialized_names_init_process_group():
    with pytest.raises(ValueError, match="init_process_group"):
        dist.get_rank()


def test_gloo_says_use_mpi():
    with pytest.raises(ValueError, match="backend='mpi'"):
        dist.init_process_group("gloo")


def test_init_twice_and_bad_arguments(single):
    with pytest.raises(RuntimeError, match="twice"):
        dist.init_process_group("mpi")
    with pytest.raises(ValueError, match="src=3"):
        dist.broadcast(nt.zeros(2), src=3)
    with pytest.raises(ValueError, match="world size 1"):
        dist.all_gather([nt.zeros(2), nt.zeros(2)], nt.zeros(2))
    with pytest.raises(TypeError, match="ReduceOp"):
        dist.all_reduce(nt.zeros(2), op="sum")
    with pytest.raises(ValueError, match="contiguous"):
        dist.all_reduce(nt.zeros(2, 3).t())


def test_world_size_the_launcher_did_not_give(monkeypatch):
    monkeypatch.setattr(collectives._comm, "load_mpi", _no_mpi)
    with pytest.raises(BackendUnavailableError, match=r"nettrain\[mpi\]"):
        dist.init_process_group("mpi", world_size=2)
    assert not dist.is_initialized()


def test_launcher_without_mpi4py_says_what_to_install(monkeypatch):
    monkeypatch.setattr(collectives._comm, "load_mpi", _no_mpi)
    monkeypatch.setenv("PMI_SIZE", "4")
    with pytest.raises(BackendUnavailableError, match=r"4 processes.*nettrain\[mpi\]"):
        dist.init_process_group("mpi")


def test_load_mpi_catches_runtime_error(monkeypatch):
    """mpi4py raises RuntimeError, not ImportError, when libmpi is missing."""
    import builtins

    real_import = builtins.__import__

    def fake_import(name, *args, **kwargs):
        if name == "mpi4py":
            raise RuntimeError("cannot load MPI library")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake_import)
    with pytest.raises(BackendUnavailableError, match="cannot load MPI library.*nettrain"):
        _comm.load_mpi()
    assert not _comm.mpi_is_available()


@pytest.mark.parametrize(
    "env", [{"PMI_SIZE": "2"}, {"OMPI_COMM_WORLD_SIZE": "3"}, {"MPI_LOCALNRANKS": "2"}]
)
def test_launcher_library_mismatch_is_refused(env):
    name, value = next(iter(env.items()))
    with pytest.raises(RuntimeError, match=f"{value} processes \\({name}={value}\\).*world of 1"):
        _comm.check_launcher(1, "Open MPI v5", env)


def test_launcher_agreeing_with_mpi_passes():
    _comm.check_launcher(2, "MPICH", {"PMI_SIZE": "2"})
    _comm.check_launcher(1, "MPICH", {"PMI_SIZE": "1"})
    _comm.check_launcher(1, "MPICH", {})
    assert _comm.launcher_world_size({"OMPI_COMM_WORLD_SIZE": "8"}) == (8, "OMPI_COMM_WORLD_SIZE")
