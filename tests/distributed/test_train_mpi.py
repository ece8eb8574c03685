"""``mpiexec -n 2 nettrain train CONFIG``: the CLI contract of data-parallel training.

The number of processes changes speed, not results: every test compares a 2-rank run with
the same command in one plain process. Runs go through ``scripts/nettrain_cli.py`` (the
real CLI plus test knobs: a float64 model, a fault on one rank), each bounded by a timeout
that kills the whole process group. Skipped only when mpi4py or mpiexec is missing.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from mpirun import SCRIPTS, mpi_env, require_mpi, run_cli

from nettrain.training.checkpoint import load_checkpoint

# 122 spirals -> 92 train / 30 val with batch 16: five full batches and a short last one of
# 12 (6 + 6 per rank); the Dropout layer checks that each rank draws its rows of the
# one-process mask.
CONFIG = """\
name: tiny
seed: 3
model:
  type: Sequential
  layers:
    - {type: Linear, in_features: 2, out_features: 16}
    - {type: ReLU}
    - {type: Dropout, p: 0.25}
    - {type: Linear, in_features: 16, out_features: 3}
loss: {type: CrossEntropyLoss}
optimizer: {type: SGD, lr: 0.2, momentum: 0.9}
data:
  train: {type: spirals, n_samples: 122, n_classes: 3, noise: 0.2}
  val: {split_from: train, fraction: 0.25}
  batch_size: BATCH
train:
  epochs: 3
  log_every_steps: 2
"""
F64 = {"NETTRAIN_TEST_DTYPE": "float64"}
RTOL_F64 = 1e-12  # float64 sums over 8 vs 16 samples differ by rounding: ~1e-16 per step
RTOL_F32 = 1e-5  # float32 rounding (6e-8) compounded over 18 momentum steps, with margin
TIMEOUT = 180  # seconds for one launch on a loaded 2-core machine; the group is killed after


@pytest.fixture(autouse=True)
def _mpi_present():
    require_mpi()


def _config(folder: Path, batch: int = 16, **edits: str) -> Path:
    text = CONFIG.replace("BATCH", str(batch))
    for old, new in edits.items():
        text = text.replace(old, new)
    path = folder / "tiny.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _train(folder: Path, config: Path, n: int | None, *extra: str, env=None, ok=True):
    runs = folder / "runs"
    proc = run_cli(("train", config, "--runs-dir", runs, "-q", *extra), n, env, TIMEOUT)
    if ok:
        assert proc.returncode == 0, f"rc={proc.returncode}\n{proc.stdout}\n{proc.stderr}"
    return proc


def _only_run(folder: Path) -> Path:
    runs = [p for p in (folder / "runs").glob("*/*") if p.is_dir()]
    assert len(runs) == 1, runs
    return runs[0]


def _params(run: Path) -> dict[str, np.ndarray]:
    return load_checkpoint(run / "checkpoints" / "last.safetensors").model


def _epoch_records(run: Path) -> list[dict]:
    lines = (run / "metrics.jsonl").read_text(encoding="utf-8").splitlines()
    return [r for r in map(json.loads, lines) if r["event"] in ("epoch", "step")]


def _assert_same_run(single: Path, multi: Path, rtol: float) -> None:
    ref, got = _params(single), _params(multi)
    assert sorted(ref) == sorted(got)
    for key in ref:
        assert got[key].dtype == ref[key].dtype, key
        np.testing.assert_allclose(got[key], ref[key], rtol=rtol, atol=rtol, err_msg=key)
    ref_records, got_records = _epoch_records(single), _epoch_records(multi)
    assert len(ref_records) == len(got_records)
    for a, b in zip(ref_records, got_records):
        assert (a["event"], a["split"], a["epoch"], a["step"]) == (
            b["event"],
            b["split"],
            b["epoch"],
            b["step"],
        )
        assert b["accuracy"] == a["accuracy"], (a, b)  # counts of correct rows: exact
        np.testing.assert_allclose(b["loss"], a["loss"], rtol=rtol, err_msg=str(a))


def test_two_ranks_end_with_the_single_process_parameters_float64(tmp_path):
    config = _config(tmp_path)
    _train(tmp_path / "one", config, None, env=F64)
    _train(tmp_path / "two", config, 2, env=F64)
    _assert_same_run(_only_run(tmp_path / "one"), _only_run(tmp_path / "two"), RTOL_F64)


def test_two_ranks_float32_and_one_run_directory_written_by_rank_0(tmp_path):
    config = _config(tmp_path)
    _train(tmp_path / "one", config, None)
    proc = _train(tmp_path / "two", config, 2)
    run = _only_run(tmp_path / "two")  # one directory, not one per rank
    assert proc.stdout.strip() == str(run)  # -q prints the run directory once
    _assert_same_run(_only_run(tmp_path / "one"), run, RTOL_F32)
    summary = json.loads((run / "summary.json").read_text())
    assert summary["status"] == "completed"
    assert summary["world_size"] == 2


def test_a_drifting_replica_is_detected(tmp_path):
    """Ranks are compared (a digest of every parameter) at each checkpoint: a rank whose
    parameters differ by 1e-3 after step 2 stops the run, instead of rank 0 saving a model
    the other ranks do not have."""
    config = _config(tmp_path)
    proc = _train(tmp_path, config, 2, env={**F64, "NETTRAIN_TEST_FAULT": "perturb:1:2"}, ok=False)
    assert proc.returncode == 1, proc.stderr
    assert "replicas" in proc.stderr and "differ" in proc.stderr, proc.stderr


def test_accumulation_under_two_ranks_equals_one_process(tmp_path):
    # K=4 over six batches per epoch: one full group and a short one (with the short batch);
    # mid-group batches run inside DDP's no_sync, the group's last batch averages the sum
    config = _config(tmp_path, **{"epochs: 3": "epochs: 3\n  accumulate_grad_batches: 4"})
    _train(tmp_path / "one", config, None, env=F64)
    _train(tmp_path / "two", config, 2, env=F64)
    run = _only_run(tmp_path / "two")
    _assert_same_run(_only_run(tmp_path / "one"), run, RTOL_F64)
    assert json.loads((run / "summary.json").read_text())["steps"] == 3 * 2


@pytest.mark.parametrize(("first", "second"), [(2, None), (None, 2)])
def test_resume_with_another_number_of_ranks_is_exact(tmp_path, first, second):
    config = _config(tmp_path)
    _train(tmp_path / "ref", config, None, env=F64)
    _train(tmp_path / "cut", config, first, "--set", "train.max_steps=8", env=F64)
    run = _only_run(tmp_path / "cut")
    _train(tmp_path / "cut", config, second, "--resume", run, env=F64)
    assert _only_run(tmp_path / "cut") == run
    summary = json.loads((run / "summary.json").read_text())
    assert summary.get("world_size", 1) == (second or 1)  # the resumed run's world
    ref = _params(_only_run(tmp_path / "ref"))
    got = _params(run)
    for key in ref:
        np.testing.assert_allclose(got[key], ref[key], rtol=RTOL_F64, atol=RTOL_F64)


def test_an_exception_on_one_rank_ends_the_job_with_the_message_once(tmp_path):
    config = _config(tmp_path, **{"epochs: 3": "epochs: 1000"})
    env = {"NETTRAIN_TEST_FAULT": "raise:1:3"}
    proc = _train(tmp_path, config, 2, env=env, ok=False)  # would hang without the abort
    output = proc.stdout + proc.stderr
    assert proc.returncode == 1, output
    assert output.count("injected failure on rank 1 at step 3") == 1, output


def test_a_nan_loss_stops_every_rank_with_the_single_process_message(tmp_path):
    config = _config(tmp_path, **{"lr: 0.2": "lr: 1.0e+30"})
    single = _train(tmp_path / "one", config, None, ok=False)
    multi = _train(tmp_path / "two", config, 2, ok=False)
    assert single.returncode == multi.returncode == 1

    def message(proc, folder):  # numpy's overflow warnings differ with the batch shapes
        lines = proc.stderr.replace(str(folder), "RUNS").splitlines()
        return [line for line in lines if line.startswith("error:")]

    assert len(message(single, tmp_path / "one")) == 1
    assert message(multi, tmp_path / "two") == message(single, tmp_path / "one")
    assert multi.stderr.count("loss became") == 1, multi.stderr
    summary = json.loads((_only_run(tmp_path / "two") / "summary.json").read_text())
    assert (summary["status"], summary["world_size"]) == ("non_finite_loss", 2)


def test_batch_size_that_does_not_split_is_a_config_error_at_its_line(tmp_path):
    config = _config(tmp_path, batch=15)
    proc = _train(tmp_path, config, 2, ok=False)
    assert proc.returncode == 2, proc.stderr
    line = CONFIG.splitlines().index("  batch_size: BATCH") + 1
    found = re.findall(rf"{re.escape(str(config))}:{line}:\d+: data\.batch_size: .*", proc.stderr)
    assert len(found) == 1, proc.stderr
    assert "14 or 16" in found[0]
    assert not (tmp_path / "runs").exists() or not any((tmp_path / "runs").rglob("summary.json"))


def test_launcher_that_mpi_does_not_see_is_refused(tmp_path):
    """PMI_SIZE=2 without a real launcher: MPI sees 1 process, so training N copies
    silently must not happen."""
    config = _config(tmp_path)
    proc = _train(tmp_path, config, None, env={"PMI_SIZE": "2", "PMI_RANK": "0"}, ok=False)
    assert proc.returncode == 2, proc.stderr
    assert "2 processes (PMI_SIZE=2)" in proc.stderr and "world of 1" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_several_processes_without_mpi4py_say_what_to_install(tmp_path):
    config = _config(tmp_path)
    env = {"PMI_SIZE": "2", "PMI_RANK": "0", "NETTRAIN_TEST_NO_MPI4PY": "1"}
    proc = _train(tmp_path, config, None, env=env, ok=False)
    assert proc.returncode == 2, proc.stderr
    assert "pip install -e '.[mpi]'" in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr


def test_one_process_never_imports_mpi4py(tmp_path):
    """No launcher: today's behaviour, and mpi4py (with its MPI_Init) is never loaded."""
    config = _config(tmp_path, **{"epochs: 3": "epochs: 1"})
    modules = tmp_path / "modules.txt"
    _train(tmp_path, config, None, env={"NETTRAIN_TEST_MODULES": str(modules)})
    assert (_only_run(tmp_path) / "checkpoints" / "last.safetensors").is_file()
    loaded = modules.read_text(encoding="utf-8").split()
    assert "nettrain.training.loop" in loaded  # the record is real
    assert not [m for m in loaded if m.startswith("mpi4py")]


def test_ctrl_c_stops_every_rank_at_one_step_and_resumes(tmp_path):
    """SIGINT to mpiexec reaches every rank; the ranks agree on the step to stop at (in
    the step's all-reduce), rank 0 saves the checkpoint and says how to resume, once."""
    config = _config(
        tmp_path, **{"epochs: 3": "epochs: 100000", "log_every_steps: 2": "log_every_steps: 1"}
    )
    runs = tmp_path / "runs"
    command = [require_mpi(), "-n", "2", sys.executable, str(SCRIPTS / "nettrain_cli.py")]
    command += ["train", str(config), "--runs-dir", str(runs), "-q"]
    proc = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**mpi_env(), "PYTHONUNBUFFERED": "1"},
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            logs = list(runs.glob("*/*/metrics.jsonl"))
            if logs and logs[0].read_text().count('"step"') >= 3:
                break
            assert proc.poll() is None, proc.communicate()
            time.sleep(0.1)
        else:
            pytest.fail("training did not start in time")
        proc.send_signal(signal.SIGINT)
        _, stderr = proc.communicate(timeout=TIMEOUT)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
    assert proc.returncode == 130, stderr
    assert stderr.count("stopped:") == 1, stderr
    run = _only_run(tmp_path)
    assert (run / "checkpoints" / "interrupted.safetensors").is_file()
    assert json.loads((run / "summary.json").read_text())["status"] == "interrupted"
    resumed = _train(tmp_path, config, 2, "--resume", run, "--set", "train.max_steps=40")
    assert resumed.returncode == 0 and _only_run(tmp_path) == run
