"""``nettrain compare``: differing config keys only, metrics per split, run facts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli._tiny import write_tiny


@pytest.fixture(scope="module")
def sweep_dir(tmp_path_factory) -> Path:
    from typer.testing import CliRunner

    from nettrain.cli.app import app

    folder = tmp_path_factory.mktemp("compare")
    config = write_tiny(folder)
    runs = folder / "runs"
    args = ["sweep", str(config), "--grid", "optimizer.lr=0.1,0.05", "--set", "train.epochs=2"]
    result = CliRunner().invoke(app, [*args, "--runs-dir", str(runs), "--quiet"])
    assert result.exit_code == 0, result.output
    return Path(result.output.strip().splitlines()[-1])


def test_compare_json_fields(cli, sweep_dir):
    data = json.loads(cli.expect(0, "compare", sweep_dir, "--json").output)
    assert data["differing_keys"] == ["optimizer.lr"]
    assert [run["config"] for run in data["runs"]] == [
        {"optimizer.lr": 0.1},
        {"optimizer.lr": 0.05},
    ]
    for run in data["runs"]:
        summary = json.loads((Path(run["run_dir"]) / "summary.json").read_text())
        assert run["final"] == summary["metrics"]
        assert set(run["final"]) == {"train", "val"}
        for key in ("best_val_loss", "best_epoch", "status", "epochs", "steps", "wall_time_s"):
            assert run[key] == summary[key], key
        assert run["device"] == "cpu" and run["epochs"] == 2


def test_compare_metric_filter_and_run_dirs(cli, sweep_dir):
    run_dirs = sorted(p for p in sweep_dir.glob("point-*/*") if p.is_dir())
    data = json.loads(cli.expect(0, "compare", *run_dirs, "--json", "--metric", "loss").output)
    assert [r["run_dir"] for r in data["runs"]] == [str(p) for p in run_dirs]
    assert all(set(v) == {"loss"} for r in data["runs"] for v in r["final"].values())


def test_compare_table_shows_only_what_differs(cli, sweep_dir):
    output = cli.expect(0, "compare", sweep_dir).output
    assert "optimizer.lr" in output and "val loss" in output and "wall time" in output
    assert "data.batch_size" not in output  # the same in both runs


def test_compare_rejects_a_directory_that_is_not_a_run(cli, tmp_path):
    result = cli("compare", tmp_path)
    assert result.exit_code == 2 and "neither a run directory" in result.output
    result = cli("compare", tmp_path / "missing")
    assert result.exit_code == 2 and "no such run or sweep directory" in result.output


def test_differing_keys_looks_inside_lists():
    from nettrain.training.compare import differing_keys, flatten

    a = {"model": {"layers": [{"type": "Linear", "out_features": 4}, {"type": "ReLU"}]}}
    b = {"model": {"layers": [{"type": "Linear", "out_features": 8}, {"type": "ReLU"}]}}
    assert flatten(a)["model.layers[0].out_features"] == 4
    assert differing_keys([a, b]) == ["model.layers[0].out_features"]
    assert differing_keys([{"x": [1, 2]}, {"x": [1, 2], "y": 1}]) == ["y"]
