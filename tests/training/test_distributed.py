"""Training helpers for MPI: world info, batch shares, metric reduction, abort on error."""

import sys
from pathlib import Path

import pytest

from nettrain.errors import ConfigError
from nettrain.training import distributed as td

sys.path.insert(0, str(Path(__file__).parents[1] / "distributed"))
from mpirun import rank_files, run_mpi  # noqa: E402


def test_world_from_env():
    assert td.world_from_env({}) == td.WorldInfo(0, 1)
    assert td.world_from_env({"PMI_SIZE": "4", "PMI_RANK": "3"}) == td.WorldInfo(3, 4)
    info = td.world_from_env({"OMPI_COMM_WORLD_SIZE": "2", "OMPI_COMM_WORLD_RANK": "1"})
    assert info == td.WorldInfo(1, 2) and info.distributed


def test_per_rank_batch_size():
    assert td.per_rank_batch_size(64, 4) == 16
    assert td.per_rank_batch_size(7, 1) == 7
    with pytest.raises(ConfigError, match=r"cfg.yaml:3:14: data.batch_size: .*10 .* 4 .*8 or 12"):
        td.per_rank_batch_size(10, 4, "cfg.yaml", 3, 14)


def test_reduce_weighted_means_in_one_process(monkeypatch):
    for name in ("PMI_SIZE", "PMI_RANK", "OMPI_COMM_WORLD_SIZE", "OMPI_COMM_WORLD_RANK"):
        monkeypatch.delenv(name, raising=False)
    assert td.reduce_weighted_means({"loss": 6.0, "acc": 2.0}, 4) == (
        {"acc": 0.5, "loss": 1.5},
        4,
    )
    assert td.is_main_process()
    assert td.rank_zero_only(lambda: "wrote")() == "wrote"
    td.abort_world(1)  # one process: nothing to abort, returns


def test_metrics_weighted_by_samples_over_two_ranks(tmp_path):
    run_mpi("reduce_metrics.py", n=2, args=(str(tmp_path),), timeout=60)
    ranks = rank_files(tmp_path)
    for rank, record in ranks.items():
        assert record["means"] == {"loss": 4.0}  # (1 + 2 + 3 + 10) / 4, not (2 + 10) / 2
        assert record["total"] == 4
        assert record["main"] == (rank == 0)


def test_exception_on_one_rank_ends_every_rank_with_the_message_once():
    proc = run_mpi("raise_on_one_rank.py", n=2, timeout=60, check=False)
    assert proc.returncode != 0
    output = proc.stdout + proc.stderr
    assert output.count("ValueError: loss is nan at step 3 on rank 1") == 1, output


@pytest.mark.parametrize(
    ("rank", "size", "error", "shown", "aborted", "waited"),
    [
        (0, 1, RuntimeError("bug"), True, False, False),  # one process: just show it
        (0, 2, "nan", True, False, False),  # agreed by all ranks: rank 0 shows, no abort
        (1, 2, "nan", False, False, False),
        (0, 2, ConfigError("bad"), True, True, False),
        (1, 2, ConfigError("bad"), True, True, True),  # rank 0 likely ends it
        (1, 2, RuntimeError("rank-local bug"), True, True, False),  # at once: only here
    ],
)
def test_end_job_on_error_shows_once_and_leaves_no_rank_waiting(
    monkeypatch, rank, size, error, shown, aborted, waited
):
    from nettrain.training.loop import NonFiniteLossError

    if error == "nan":
        error = NonFiniteLossError("loss became nan", 3, 1)
    events = []
    monkeypatch.setattr(td, "world_from_env", lambda: td.WorldInfo(rank, size))
    monkeypatch.setattr(td, "abort_world", lambda code: events.append(("abort", code)))
    monkeypatch.setattr(td.time, "sleep", lambda s: events.append(("sleep", s)))
    monkeypatch.setattr(td._comm, "load_mpi", lambda: None)
    td.end_job_on_error(error, 7, lambda: events.append(("show",)))
    assert (("show",) in events) == shown
    assert (("abort", 7) in events) == aborted
    assert (("sleep", td.GRACE_S) in events) == waited
    if waited:
        assert events.index(("sleep", td.GRACE_S)) < events.index(("show",))
