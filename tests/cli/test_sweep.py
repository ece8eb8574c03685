"""``nettrain sweep``: a 2x2 grid in two processes, a failing point, Ctrl-C and --resume."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.cli._tiny import write_tiny

SRC = str(Path(__file__).resolve().parents[2] / "src")


def _sweep_dir(runs: Path) -> Path:
    (found,) = (runs / "tiny").glob("sweep-*")
    return found


def _summary(run_dir: str) -> dict:
    return json.loads((Path(run_dir) / "summary.json").read_text())


def test_two_by_two_sweep_with_two_jobs(cli, tmp_path):
    config = write_tiny(tmp_path)
    runs = tmp_path / "runs"
    result = cli(
        "sweep", config, "--grid", "optimizer.lr=0.1,0.05",
        "--grid", "model.layers[0].out_features=8,4", "--set", "model.layers[2].in_features=8",
        "--jobs", "2", "--runs-dir", runs,
    )  # fmt: skip
    assert result.exit_code == 1, result.output
    sweep_dir = _sweep_dir(runs)
    rows = list(csv.DictReader((sweep_dir / "sweep.csv").open()))
    assert len(rows) == 4
    # out_features=4 feeds a Linear(8, 3): those two points fail at run time, the rest go on
    statuses = {(r["optimizer.lr"], r["model.layers[0].out_features"]): r["status"] for r in rows}
    assert statuses == {
        ("0.1", "8"): "completed",
        ("0.1", "4"): "failed",
        ("0.05", "8"): "completed",
        ("0.05", "4"): "failed",
    }, result.output
    assert len({r["run_dir"] for r in rows}) == 4
    assert "model.layers.2 (Linear 8->3) got input of shape" in result.output


def test_sweep_rows_equal_each_runs_summary(cli, tmp_path):
    config = write_tiny(tmp_path)
    runs = tmp_path / "runs"
    result = cli.expect(
        0, "sweep", config, "--grid", "optimizer.lr=0.1,0.05", "--grid", "data.batch_size=16,32",
        "--jobs", "2", "--runs-dir", runs,
    )  # fmt: skip
    sweep_dir = _sweep_dir(runs)
    assert "best val loss" in result.output and str(sweep_dir) in result.output
    rows = list(csv.DictReader((sweep_dir / "sweep.csv").open()))
    assert [r["point"] for r in rows] == ["1", "2", "3", "4"]
    run_dirs = {r["run_dir"] for r in rows}
    assert len(run_dirs) == 4
    for row in rows:
        assert row["status"] == "completed", row
        summary = _summary(row["run_dir"])
        assert Path(row["run_dir"]).parent.parent == sweep_dir
        assert (Path(row["run_dir"]) / "checkpoints" / "last.safetensors").is_file()
        for split, values in summary["metrics"].items():
            for metric, value in values.items():
                assert float(row[f"final.{split}.{metric}"]) == value
        assert float(row["best_val_loss"]) == summary["best_val_loss"]
        config_text = (Path(row["run_dir"]) / "config.yaml").read_text()
        assert f"lr: {row['optimizer.lr']}" in config_text
    data = json.loads((sweep_dir / "sweep.json").read_text())
    assert [p["status"] for p in data["points"]] == ["completed"] * 4
    # the printed table is ranked by best validation loss
    losses = sorted(float(r["best_val_loss"]) for r in rows)
    positions = [result.output.index(f"{v:.4f}") for v in losses]
    assert positions == sorted(positions), result.output


def test_failing_point_is_marked_and_others_go_on(cli, tmp_path):
    config = write_tiny(tmp_path)
    runs = tmp_path / "runs"
    result = cli(
        "sweep", config, "--grid", "optimizer.lr=-1,0.1", "--jobs", "2", "--runs-dir", runs
    )
    assert result.exit_code == 1, result.output
    assert "Invalid learning rate" in result.output
    data = json.loads((_sweep_dir(runs) / "sweep.json").read_text())
    failed, done = data["points"]
    assert failed["status"] == "failed" and "Invalid learning rate: -1" in failed["message"]
    assert done["status"] == "completed" and _summary(done["run_dir"])["status"] == "completed"


def test_bad_grid_values_are_all_reported_before_anything_runs(cli, tmp_path):
    config = write_tiny(tmp_path)
    runs = tmp_path / "runs"
    result = cli(
        "sweep", config, "--grid", "optimizer.lr=0.1,fast", "--grid", "train.epochs=0,1",
        "--runs-dir", runs,
    )  # fmt: skip
    assert result.exit_code == 2, result.output
    assert "--grid optimizer.lr (value fast)" in result.output
    assert "--grid train.epochs (value 0)" in result.output
    assert not runs.exists()


def test_sweep_needs_a_config_or_resume(cli):
    result = cli("sweep", "--grid", "optimizer.lr=1")
    assert result.exit_code == 2 and "CONFIG" in result.output


def _wait_for(predicate, timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout_s}s waiting for {what}")
        time.sleep(0.1)


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT to a process is POSIX")
def test_ctrl_c_stops_every_point_and_resume_finishes_them(cli, tmp_path):
    config = write_tiny(tmp_path, n_samples=3000, epochs=20)  # long enough to interrupt
    runs = tmp_path / "runs"
    env = {**os.environ, "PYTHONPATH": SRC}
    grid = ["--grid", "optimizer.lr=0.1,0.05", "--jobs", "2", "--runs-dir", str(runs), "-q"]
    command = [sys.executable, "-m", "nettrain", "sweep", str(config), *grid]
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:

        def both_training() -> bool:
            logs = list(runs.glob("tiny/sweep-*/point-*/*/metrics.jsonl"))
            return len(logs) == 2 and all(log.stat().st_size > 0 for log in logs)

        _wait_for(both_training, 120, "both points to log a step")
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 130, err.decode()
    assert b"nettrain sweep --resume" in err
    sweep_dir = _sweep_dir(runs)
    points = json.loads((sweep_dir / "sweep.json").read_text())["points"]
    assert [p["status"] for p in points] == ["interrupted", "interrupted"], points
    before = [p["run_dir"] for p in points]
    for run_dir in before:
        assert (Path(run_dir) / "checkpoints" / "interrupted.safetensors").is_file()

    cli.expect(0, "sweep", "--resume", sweep_dir, "--jobs", "2")
    points = json.loads((sweep_dir / "sweep.json").read_text())["points"]
    assert [p["status"] for p in points] == ["completed", "completed"]
    assert [p["run_dir"] for p in points] == before  # resumed in place, not restarted
    for point in points:
        summary = _summary(point["run_dir"])
        assert summary["status"] == "completed" and summary["epochs"] == 20
    # a finished sweep has nothing left to run
    cli.expect(0, "sweep", "--resume", sweep_dir)
