"""--resume: final parameters bit-identical to an uninterrupted run (CPU)."""

from __future__ import annotations

import os
import signal

import numpy as np
import pytest

from nettrain.errors import CheckpointError
from nettrain.training.checkpoint import load_checkpoint, read_safetensors
from nettrain.training.errors import TrainingInterrupted
from nettrain.training.loop import fit
from tests.helpers.configs import SPIRALS, make, resolve


def _tensors(run_dir):
    tensors, _ = read_safetensors(run_dir / "checkpoints" / "last.safetensors")
    return tensors


def _assert_identical(a, b):
    assert sorted(a) == sorted(b)
    for key in a:
        assert a[key].dtype == b[key].dtype, key
        assert np.array_equal(a[key], b[key]), f"{key} differs"


@pytest.fixture
def uninterrupted(tmp_path):
    result = fit(resolve(make(SPIRALS, train={"epochs": 3}), tmp_path), runs_dir=tmp_path / "a")
    return _tensors(result.run_dir), result


def test_resume_from_an_epoch_checkpoint_is_bit_identical(tmp_path, uninterrupted):
    expected, full = uninterrupted
    first = fit(resolve(make(SPIRALS, train={"epochs": 1}), tmp_path), runs_dir=tmp_path / "b")
    resumed = fit(
        resolve(make(SPIRALS, train={"epochs": 3}), tmp_path),
        runs_dir=tmp_path / "b",
        resume=first.run_dir,
    )
    assert resumed.run_dir == first.run_dir  # continues in the same run directory
    assert resumed.steps == full.steps and resumed.epochs == 3
    _assert_identical(_tensors(resumed.run_dir), expected)  # model, optimizer and scheduler
    assert resumed.metrics == full.metrics


def test_resume_after_sigint_mid_epoch_is_bit_identical(tmp_path, uninterrupted):
    expected, full = uninterrupted

    def press_ctrl_c(event):
        if event.kind == "step" and event.step == 8:  # inside epoch 2
            os.kill(os.getpid(), signal.SIGINT)

    resolved = resolve(make(SPIRALS, train={"epochs": 3}), tmp_path)
    with pytest.raises(TrainingInterrupted) as info:
        fit(resolved, runs_dir=tmp_path / "b", callback=press_ctrl_c)
    stop = info.value
    assert stop.checkpoint.name == "interrupted.safetensors" and stop.checkpoint.is_file()
    assert f"--resume {stop.run_dir}" in stop.resume_command
    meta = load_checkpoint(stop.checkpoint).meta
    assert (meta["step"], meta["epoch"], meta["batch_in_epoch"]) == (8, 1, 2)
    resumed = fit(resolved, runs_dir=tmp_path / "b", resume=stop.run_dir)
    _assert_identical(_tensors(resumed.run_dir), expected)
    assert resumed.metrics["train"] == pytest.approx(full.metrics["train"])


def test_keyboard_interrupt_between_steps_also_saves_and_resumes(tmp_path, uninterrupted):
    expected, _ = uninterrupted

    def interrupt(event):
        if event.kind == "step" and event.step == 3:
            raise KeyboardInterrupt

    resolved = resolve(make(SPIRALS, train={"epochs": 3}), tmp_path)
    with pytest.raises(TrainingInterrupted) as info:
        fit(resolved, runs_dir=tmp_path / "b", callback=interrupt)
    resumed = fit(resolved, runs_dir=tmp_path / "b", resume=info.value.checkpoint)
    _assert_identical(_tensors(resumed.run_dir), expected)


def test_resume_into_a_model_of_another_shape_lists_keys(tmp_path):
    first = fit(resolve(make(SPIRALS, train={"epochs": 1}), tmp_path), runs_dir=tmp_path)
    other = make(SPIRALS)
    other["model"]["layers"][0]["out_features"] = 8
    other["model"]["layers"][3]["in_features"] = 8
    with pytest.raises(CheckpointError, match=r"model\.layers\.0\.weight|model\.0\.weight"):
        fit(resolve(other, tmp_path), runs_dir=tmp_path, resume=first.run_dir)


def test_resume_from_a_corrupt_checkpoint(tmp_path):
    bad = tmp_path / "bad.safetensors"
    bad.write_bytes(b"\x00" * 3)
    with pytest.raises(CheckpointError, match="truncated"):
        fit(resolve(SPIRALS, tmp_path), runs_dir=tmp_path, resume=bad)


def test_resume_from_an_older_checkpoint_does_not_log_steps_twice(tmp_path):
    from nettrain.training.metrics import read_jsonl

    resolved = resolve(make(SPIRALS, train={"epochs": 2, "log_every_steps": 1}), tmp_path)
    run = fit(resolved, runs_dir=tmp_path).run_dir
    epoch_one = run / "checkpoints" / "epoch-0001.safetensors"  # as if epoch 2 crashed
    fit(resolved, runs_dir=tmp_path, resume=epoch_one)
    steps = [r["step"] for r in read_jsonl(run / "metrics.jsonl") if r["event"] == "step"]
    assert steps == list(range(1, 13))


def test_resume_with_another_optimizer_is_a_checkpoint_error(tmp_path):
    first = fit(resolve(make(SPIRALS, train={"epochs": 1}), tmp_path), runs_dir=tmp_path)
    other = make(SPIRALS)
    other["optimizer"] = {"type": "SGD", "lr": 0.1, "momentum": 0.9}
    with pytest.raises(CheckpointError, match="optimizer state does not fit"):
        fit(resolve(other, tmp_path), runs_dir=tmp_path, resume=first.run_dir)


def test_interrupt_inside_the_optimizer_step_saves_no_inexact_checkpoint(tmp_path, monkeypatch):
    import nettrain

    calls = {"n": 0}
    original = nettrain.optim.Adam.step

    def step(self, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt  # a second Ctrl-C while parameters are being updated
        return original(self, *args, **kwargs)

    monkeypatch.setattr(nettrain.optim.Adam, "step", step)
    with pytest.raises(TrainingInterrupted) as info:
        fit(resolve(SPIRALS, tmp_path), runs_dir=tmp_path)
    assert info.value.checkpoint is None
    assert not (info.value.run_dir / "checkpoints" / "interrupted.safetensors").exists()
    assert "stopped inside a step" in str(info.value)


def test_early_stopping_stops_the_run_and_says_why(tmp_path):
    """Monitoring the training loss in 'max' mode: it falls every epoch, so with patience 1
    the run stops after epoch 2 of 6 and records why."""
    import json

    from nettrain.training.config import load_config
    from nettrain.training.loop import fit
    from tests.helpers.configs import SPIRALS, write

    path = write(SPIRALS, tmp_path / "spirals.yaml")
    overrides = [
        "train.epochs=6",
        "train.early_stopping={monitor: train.loss, mode: max, patience: 1}",
    ]
    result = fit(load_config(path, overrides), runs_dir=tmp_path / "runs")
    summary = json.loads((result.run_dir / "summary.json").read_text())
    assert result.epochs == 2 and summary["epochs"] == 2
    assert summary["stop_reason"].startswith("early stopping: train.loss did not improve")
