"""``nettrain train``: example configs train, and every failure has its status and message."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from nettrain.backend import cuda_is_available
from tests.helpers.configs import REGRESSION, SPIRALS, make, write

from .conftest import CONFIGS


def _summary(run_dir: Path) -> dict:
    return json.loads((run_dir / "summary.json").read_text())


def _only_run(runs: Path) -> Path:
    (run,) = [p for p in runs.glob("*/*") if p.is_dir()]
    return run


def test_linear_example_trains(cli, tmp_path):
    result = cli.expect(0, "train", CONFIGS / "linear.yaml", "--runs-dir", tmp_path)
    run = _only_run(tmp_path)
    assert "nettrain run summary" in result.stdout and str(run) in result.stdout
    summary = _summary(run)
    assert summary["status"] == "completed" and summary["steps"] == 1
    assert (run / "checkpoints" / "last.safetensors").is_file()


def test_quiet_prints_only_the_run_directory(cli, tmp_path):
    result = cli.expect(
        0,
        "train",
        CONFIGS / "linear.yaml",
        "--runs-dir",
        tmp_path,
        "--quiet",
        "--name",
        "other",
        "--seed",
        "5",
    )
    run = Path(result.stdout.strip())
    assert run.parent.name == "other" and run.is_dir()
    assert _summary(run)["seed"] == 5
    assert result.stderr == ""


def test_set_overrides_are_saved_in_the_resolved_config(cli, tmp_path):
    cli.expect(
        0,
        "train",
        CONFIGS / "linear.yaml",
        "--runs-dir",
        tmp_path,
        "-q",
        "--set",
        "optimizer.lr=0.5",
        "--set",
        "train.epochs=2",
    )
    run = _only_run(tmp_path)
    text = (run / "config.yaml").read_text()
    assert "lr: 0.5" in text and "epochs: 2" in text
    assert _summary(run)["epochs"] == 2


def test_spirals_example_learns(cli, tmp_path):
    cli.expect(0, "train", CONFIGS / "spirals_mlp.yaml", "--runs-dir", tmp_path, "-q")
    assert _summary(_only_run(tmp_path))["metrics"]["val"]["accuracy"] >= 0.95


def test_regression_example_trains(cli, tmp_path):
    cli.expect(
        0,
        "train",
        CONFIGS / "regression.yaml",
        "--runs-dir",
        tmp_path,
        "-q",
        "--set",
        "train.epochs=10",
    )
    records = [json.loads(x) for x in (_only_run(tmp_path) / "metrics.jsonl").open()]
    val = [r["loss"] for r in records if r["event"] == "epoch" and r["split"] == "val"]
    assert val[-1] < val[0] / 2


@pytest.mark.slow
def test_digits_mlp_reaches_97_percent(cli, tmp_path):
    pytest.importorskip("sklearn")
    from threadpoolctl import threadpool_limits

    # one BLAS thread: these small matmuls only lose to thread hand-offs on a busy machine
    with threadpool_limits(limits=1, user_api="blas"):
        cli.expect(
            0, "train", CONFIGS / "digits_mlp.yaml", "--runs-dir", tmp_path, "-q", "--device", "cpu"
        )
    assert _summary(_only_run(tmp_path))["metrics"]["val"]["accuracy"] >= 0.97


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_nan_loss_exits_1_naming_the_step(cli, tmp_path):
    data = make(REGRESSION, scheduler={"type": "ExponentialLR", "gamma": 1e12}, train={"epochs": 6})
    result = cli.expect(1, "train", write(data, tmp_path / "nan.yaml"), "--runs-dir", tmp_path)
    assert "loss became" in result.stderr and "at step" in result.stderr
    assert "last good checkpoint kept" in result.stderr
    assert (_only_run(tmp_path) / "checkpoints" / "last.safetensors").is_file()


def test_shape_mismatch_exits_2_naming_the_module(cli, tmp_path):
    data = make(SPIRALS)
    data["model"]["layers"][3]["in_features"] = 5
    result = cli.expect(2, "train", write(data, tmp_path / "s.yaml"), "--runs-dir", tmp_path)
    assert "model.layers.3 (Linear 5->2) got input of shape (16, 16)" in result.stderr
    assert "Traceback" not in result.output


@pytest.mark.parametrize("name", ["../x", "a/b"])
def test_run_name_cannot_escape_the_runs_directory(cli, tmp_path, name):
    runs = tmp_path / "runs"
    result = cli.expect(2, "train", CONFIGS / "linear.yaml", "--runs-dir", runs, "--name", name)
    assert "invalid run name" in result.stderr
    assert not (tmp_path / "x").exists()


def test_bad_config_and_missing_file_exit_2(cli, tmp_path):
    result = cli.expect(
        2, "train", CONFIGS / "linear.yaml", "--set", "optimizer.lr=fast", "--runs-dir", tmp_path
    )
    assert "optimizer.lr" in result.stderr
    cli.expect(2, "train", tmp_path / "missing.yaml")
    assert not list(tmp_path.glob("*/*"))


def test_corrupt_resume_checkpoint_exits_2(cli, tmp_path):
    bad = tmp_path / "bad.safetensors"
    bad.write_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00{}")
    result = cli.expect(
        2, "train", CONFIGS / "linear.yaml", "--resume", bad, "--runs-dir", tmp_path
    )
    assert "truncated" in result.stderr


@pytest.mark.skipif(cuda_is_available(), reason="a GPU is present")
def test_cuda_without_a_gpu_exits_2_with_a_hint(cli, tmp_path):
    result = cli.expect(
        2, "train", CONFIGS / "linear.yaml", "--device", "cuda", "--runs-dir", tmp_path
    )
    assert "cupy" in result.stderr


def test_resume_continues_the_run(cli, tmp_path):
    config = write(make(SPIRALS, train={"epochs": 1}), tmp_path / "c.yaml")
    cli.expect(0, "train", config, "--runs-dir", tmp_path, "-q")
    run = _only_run(tmp_path)
    cli.expect(
        0, "train", config, "--runs-dir", tmp_path, "-q", "--resume", run, "--set", "train.epochs=2"
    )
    assert _summary(run)["epochs"] == 2 and _only_run(tmp_path) == run


def test_sigint_saves_a_checkpoint_prints_the_resume_command_and_exits_130(tmp_path):
    config = write(
        make(SPIRALS, train={"epochs": 100000, "log_every_steps": 1}), tmp_path / "long.yaml"
    )
    runs = tmp_path / "runs"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "nettrain", "train", str(config), "--runs-dir", str(runs), "-q"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            logs = list(runs.glob("*/*/metrics.jsonl"))
            if logs and logs[0].read_text().count('"step"') >= 3:
                break
            assert process.poll() is None, process.communicate()
            time.sleep(0.1)
        else:
            pytest.fail("training did not start within 60 s")
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 130, stderr
    run = _only_run(runs)
    assert (run / "checkpoints" / "interrupted.safetensors").is_file()
    assert f"nettrain train {config} --runs-dir {runs} --resume {run}" in stderr
    assert "Traceback" not in stderr
    assert _summary(run)["status"] == "interrupted"


def test_file_size_limit_at_a_checkpoint_exits_2_naming_the_file(tmp_path):
    resource = pytest.importorskip("resource")
    data = make(SPIRALS, train={"epochs": 1})
    data["model"]["layers"][0]["out_features"] = 4096  # ~50k parameters: a ~600 KB checkpoint
    data["model"]["layers"][3]["in_features"] = 4096
    config = write(data, tmp_path / "big.yaml")
    runs = tmp_path / "runs"
    limit = 64 * 1024  # config, metrics and summary fit; the checkpoint does not

    def limit_file_size():
        # as `ulimit -f`; SIGXFSZ ignored so an oversized write fails with EFBIG instead of
        # killing the process (the shell's default for that signal)
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    process = subprocess.run(
        [sys.executable, "-m", "nettrain", "train", str(config), "--runs-dir", str(runs), "-q"],
        capture_output=True,
        text=True,
        env=env,
        preexec_fn=limit_file_size,
        timeout=120,
    )
    assert process.returncode == 2, process.stderr
    checkpoints = _only_run(runs) / "checkpoints"
    assert f"cannot write checkpoint {checkpoints / 'epoch-0001.safetensors'}" in process.stderr
    assert "File too large (raise the file-size limit (ulimit -f)" in process.stderr
    assert "internal error" not in process.stderr and "Traceback" not in process.stderr
    assert list(checkpoints.iterdir()) == []  # the temporary file was removed


def test_train_and_sweep_keep_freed_memory_first(cli, tmp_path, monkeypatch):
    """Both commands apply nettrain.utils.keep_freed_memory before training."""
    from nettrain.utils import allocator
    from tests.cli._tiny import write_tiny

    calls = []
    monkeypatch.setattr(allocator, "keep_freed_memory_for_cli", lambda: calls.append(1))
    cli.expect(0, "train", CONFIGS / "linear.yaml", "--runs-dir", tmp_path / "t", "-q")
    assert calls == [1]
    config = write_tiny(tmp_path)
    cli.expect(0, "sweep", config, "--grid", "optimizer.lr=0.1", "--runs-dir", tmp_path, "-q")
    assert calls == [1, 1]
