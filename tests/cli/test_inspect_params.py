"""``nettrain inspect-params``: tables, --json, --filter, PyTorch files, bad files."""

from __future__ import annotations

import json

import numpy as np
import pytest

from nettrain.training.checkpoint import read_safetensors

from .conftest import CONFIGS


@pytest.fixture
def run_dir(cli, tmp_path):
    result = cli.expect(0, "train", CONFIGS / "linear.yaml", "--runs-dir", tmp_path, "-q")
    from pathlib import Path

    return Path(result.stdout.strip())


def test_table_shows_every_tensor_totals_and_metadata(cli, run_dir):
    result = cli.expect(0, "inspect-params", run_dir)
    for text in (
        "model.0.weight",
        "model.0.bias",
        "(2, 4)",
        "float32",
        "norm",
        "totals",
        "parameters (model.*)",
        "metadata",
        "nettrain_version",
        "epoch",
    ):
        assert text in result.stdout, text


def test_json_statistics_match_numpy(cli, run_dir):
    report = json.loads(cli.expect(0, "inspect-params", run_dir, "--json").stdout)
    path = run_dir / "checkpoints" / "last.safetensors"
    assert report["path"] == str(path) and report["format"] == "nettrain"
    tensors, _ = read_safetensors(path)
    for row in report["tensors"]:
        values = tensors[row["name"]].astype(np.float64)
        assert row["shape"] == list(values.shape) and row["count"] == values.size
        assert row["mean"] == pytest.approx(values.mean())
        assert row["std"] == pytest.approx(values.std())
        assert row["min"] == values.min() and row["max"] == values.max()
        assert row["norm"] == pytest.approx(np.linalg.norm(values.ravel()))
    assert report["totals"]["parameters"] == 10
    assert report["metadata"]["epoch"] == 1 and report["metadata"]["step"] == 1
    assert report["metadata"]["config"]["name"] == "linear"
    assert "rng" not in report["metadata"]


def test_filter_glob(cli, run_dir):
    report = json.loads(
        cli.expect(0, "inspect-params", run_dir, "--json", "--filter", "*.weight").stdout
    )
    assert [t["name"] for t in report["tensors"]] == ["model.0.weight"]
    assert report["totals"]["tensors"] == 1


def test_reads_a_state_dict_written_by_pytorch(cli, tmp_path):
    torch = pytest.importorskip("torch")
    from safetensors.torch import save_file

    model = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.ReLU(), torch.nn.Linear(3, 2))
    path = tmp_path / "torch_model.safetensors"
    save_file(model.state_dict(), str(path))
    report = json.loads(cli.expect(0, "inspect-params", path, "--json").stdout)
    assert report["format"] == "safetensors"
    rows = {r["name"]: r for r in report["tensors"]}
    assert set(rows) == set(model.state_dict())
    weight = model.state_dict()["0.weight"].double()
    assert rows["0.weight"]["mean"] == pytest.approx(weight.mean().item())
    assert rows["0.weight"]["std"] == pytest.approx(weight.std(unbiased=False).item())
    assert rows["0.weight"]["norm"] == pytest.approx(weight.norm().item())
    assert report["totals"]["parameters"] == sum(p.numel() for p in model.parameters())
    cli.expect(0, "inspect-params", path)  # the table renders too


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"\x00\x01", "truncated"), (b"PK\x03\x04" + b"\x00" * 64, "not a safetensors file")],
)
def test_bad_files_exit_2_with_a_clear_message(cli, tmp_path, content, message):
    path = tmp_path / "bad.safetensors"
    path.write_bytes(content)
    result = cli.expect(2, "inspect-params", path)
    assert message in result.stderr and "Traceback" not in result.output


def test_truncated_checkpoint_of_a_run(cli, run_dir):
    last = run_dir / "checkpoints" / "last.safetensors"
    last.write_bytes(last.read_bytes()[:-7])
    for name in ("interrupted", "best", "epoch-0001"):
        (run_dir / "checkpoints" / f"{name}.safetensors").unlink(missing_ok=True)
    assert "truncated" in cli.expect(2, "inspect-params", run_dir).stderr


def test_missing_path_exits_2(cli, tmp_path):
    assert "no such" in cli.expect(2, "inspect-params", tmp_path / "nope").stderr
