"""``nettrain validate``, ``nettrain list`` and ``nettrain eval``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers.configs import SPIRALS, make, write

from .conftest import CONFIGS


def test_validate_prints_model_parameter_count_and_resolved_config(cli):
    result = cli.expect(0, "validate", CONFIGS / "linear.yaml", "--set", "optimizer.lr=0.5")
    out = result.stdout
    assert "Linear(in_features=4, out_features=2, bias=True)" in out
    assert "parameters" in out and "10" in out
    assert "lr: 0.5" in out and "valid" in out


def test_validate_json(cli):
    info = json.loads(cli.expect(0, "validate", CONFIGS / "linear.yaml", "--json").stdout)
    assert info["valid"] is True and info["parameters"] == 10
    assert info["output_shape"] == [3, 2] and info["samples"] == {"train": 3}


def test_validate_catches_sizes_that_do_not_chain(cli, tmp_path):
    data = make(SPIRALS)
    data["model"]["layers"][3]["in_features"] = 7
    result = cli.expect(2, "validate", write(data, tmp_path / "c.yaml"))
    assert "model.layers.3 (Linear 7->2) got input of shape (16, 16)" in result.stderr


def test_validate_reports_typos_with_location(cli, tmp_path):
    data = make(SPIRALS)
    data["model"]["layers"][0]["out_featurs"] = data["model"]["layers"][0].pop("out_features")
    result = cli.expect(2, "validate", write(data, tmp_path / "c.yaml"))
    assert "model.layers[0].out_featurs" in result.stderr or "out_featurs" in result.stderr
    assert "out_features" in result.stderr


def test_list_shows_every_kind_with_arguments(cli):
    out = cli.expect(0, "list").stdout
    for text in (
        "modules",
        "losses",
        "optimizers",
        "schedulers",
        "datasets",
        "Linear",
        "in_features",
        "CrossEntropyLoss",
        "SGD",
        "StepLR",
        "spirals",
    ):
        assert text in out, text


def test_list_json(cli):
    found = json.loads(cli.expect(0, "list", "--json").stdout)
    assert set(found) == {"modules", "losses", "optimizers", "schedulers", "datasets"}
    linear = {a["name"]: a for a in found["modules"]["Linear"]}
    assert linear["in_features"]["required"] is True
    assert linear["bias"] == {
        "name": "bias",
        "required": False,
        "default": True,
        "type": linear["bias"]["type"],
    }
    assert "params" not in {a["name"] for a in found["optimizers"]["SGD"]}
    only = json.loads(cli.expect(0, "list", "losses", "--json").stdout)
    assert list(only) == ["losses"]
    cli.expect(2, "list", "widgets")


@pytest.fixture
def run_dir(cli, tmp_path):
    config = write(make(SPIRALS, train={"epochs": 2}), tmp_path / "s.yaml")
    out = cli.expect(0, "train", config, "--runs-dir", tmp_path / "runs", "-q").stdout
    return config, Path(out.strip())


def test_eval_a_run_directory_uses_its_best_checkpoint(cli, run_dir):
    config, run = run_dir
    scores = json.loads(cli.expect(0, "eval", run, "--json").stdout)
    assert scores["checkpoint"].endswith("best.safetensors")
    summary = json.loads((run / "summary.json").read_text())
    best = json.loads(
        cli.expect(
            0, "eval", run, "--checkpoint", run / "checkpoints" / "last.safetensors", "--json"
        ).stdout
    )
    assert best["metrics"]["loss"] == pytest.approx(summary["metrics"]["val"]["loss"], rel=1e-6)
    assert scores["samples"] == 30 and scores["split"] == "val"
    table = cli.expect(0, "eval", config, "--checkpoint", run, "--split", "train").stdout
    assert "accuracy" in table and "train" in table


def test_eval_errors(cli, run_dir):
    config, run = run_dir
    cli.expect(2, "eval", config)  # a config has no checkpoint of its own
    assert "no 'test' split" in cli.expect(2, "eval", run, "--split", "test").stderr
    cli.expect(2, "eval", run.parent / "missing")


def test_eval_accepts_a_pytorch_state_dict(cli, tmp_path):
    torch = pytest.importorskip("torch")
    from safetensors.torch import save_file

    from nettrain.training.build import build_datasets
    from tests.helpers.configs import resolve

    data = make(SPIRALS)
    model = torch.nn.Sequential(
        torch.nn.Linear(2, 16), torch.nn.ReLU(), torch.nn.Dropout(0.2), torch.nn.Linear(16, 2)
    )
    path = tmp_path / "torch.safetensors"
    save_file(model.state_dict(), str(path))
    config = write(data, tmp_path / "s.yaml")
    scores = json.loads(cli.expect(0, "eval", config, "--checkpoint", path, "--json").stdout)
    # the same weights in PyTorch give the same loss on the same validation samples
    splits = build_datasets(resolve(data, tmp_path).config.data, tmp_path, data["seed"])
    x = torch.from_numpy(splits.val.tensors[0].numpy())
    y = torch.from_numpy(splits.val.tensors[1].numpy())
    expected = torch.nn.functional.cross_entropy(model.eval()(x), y).item()
    assert scores["samples"] == 30
    assert scores["metrics"]["loss"] == pytest.approx(expected, rel=1e-5)


def test_eval_prints_a_confusion_matrix_that_matches_sklearn(cli, tmp_path):
    """The matrix sums to the sample count; its diagonal gives the reported accuracy."""
    import numpy as np

    metrics = pytest.importorskip("sklearn.metrics")
    import nettrain
    from nettrain.training.build import build_components
    from nettrain.training.checkpoint import load_weights, restore_model
    from nettrain.training.config import load_config
    from tests.cli._tiny import write_tiny

    config = write_tiny(tmp_path)
    run_dir = cli.expect(0, "train", config, "--runs-dir", tmp_path / "runs", "-q").output.strip()
    result = json.loads(cli.expect(0, "eval", run_dir, "--json").output)
    matrix = np.array(result["confusion_matrix"])
    assert matrix.shape == (3, 3) and matrix.sum() == result["samples"]
    assert np.trace(matrix) / matrix.sum() == pytest.approx(result["metrics"]["accuracy"])
    # the oracle: predictions of the same checkpoint on the same split, through sklearn
    state, meta = load_weights(Path(run_dir) / "checkpoints" / "best.safetensors")
    components = build_components(load_config(Path(run_dir) / "config.yaml"), "cpu", meta["seed"])
    restore_model(components.model, state, Path(run_dir))
    components.model.eval()
    with nettrain.no_grad():
        x, y = components.splits.val.tensors
        predicted = components.model(x).argmax(dim=-1).numpy()
    expected = metrics.confusion_matrix(y.numpy(), predicted, labels=range(3))
    np.testing.assert_array_equal(matrix, expected)
    text = cli.expect(0, "eval", run_dir).output
    assert "confusion matrix" in text and "true \\ pred" in text
