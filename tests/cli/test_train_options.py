"""The workflow's train options end to end; wired into the loop at merge time."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from tests.cli._tiny import write_tiny


def _weights(run_dir: str) -> dict[str, np.ndarray]:
    from nettrain.training.checkpoint import load_weights

    state, _ = load_weights(Path(run_dir) / "checkpoints" / "last.safetensors")
    return {k: np.asarray(v) for k, v in state.items()}


def test_accumulating_two_batches_of_8_equals_batches_of_16(cli, tmp_path):
    config = write_tiny(tmp_path)  # 90 training samples: groups of 16 and a last one of 10
    runs = tmp_path / "runs"
    options = ["--set", "data.batch_size=8", "--set", "train.accumulate_grad_batches=2"]
    accumulated = cli.expect(0, "train", config, *options, "--runs-dir", runs, "-q").output.strip()
    big = cli.expect(
        0, "train", config, "--set", "data.batch_size=16", "--runs-dir", runs, "-q"
    ).output.strip()
    a, b = (
        json.loads((Path(accumulated) / "summary.json").read_text()),
        json.loads((Path(big) / "summary.json").read_text()),
    )
    assert a["steps"] == b["steps"] == 3 * 6  # optimizer steps: ceil(12 batches / 2) per epoch
    for key, value in _weights(big).items():
        # float32 sums in a different order: a few ulps per step
        np.testing.assert_allclose(_weights(accumulated)[key], value, rtol=1e-5, atol=1e-6)


def test_early_stopping_stops_and_records_why(cli, tmp_path):
    config = write_tiny(tmp_path, epochs=30)
    # min_delta 10 means no epoch ever improves on the first: stop after patience=2 more
    run_dir = cli.expect(
        0, "train", config, "--set", "train.early_stopping={patience: 2, min_delta: 10}",
        "--runs-dir", tmp_path / "runs", "-q",
    ).output.strip()  # fmt: skip
    summary = json.loads((Path(run_dir) / "summary.json").read_text())
    assert summary["epochs"] == 3
    assert "early stopping" in summary["stop_reason"]
    assert (Path(run_dir) / "checkpoints" / "best.safetensors").is_file()


def test_tensorboard_true_writes_event_files(cli, tmp_path):
    pytest.importorskip("tensorboardX")
    config = write_tiny(tmp_path)
    run_dir = cli.expect(
        0, "train", config, "--set", "train.tensorboard=true", "--runs-dir", tmp_path / "runs", "-q"
    ).output.strip()
    assert list((Path(run_dir) / "tensorboard").glob("events.out.tfevents.*"))
