"""fit/evaluate: run directory contents, events, NaN stop, shape errors, flat memory."""

from __future__ import annotations

import gc
import json

import numpy as np
import pytest

from nettrain.errors import ShapeError
from nettrain.training.checkpoint import load_checkpoint
from nettrain.training.errors import NonFiniteLossError
from nettrain.training.evaluate import evaluate
from nettrain.training.loop import fit
from nettrain.training.metrics import read_jsonl
from tests.helpers.configs import REGRESSION, SPIRALS, make, resolve


def test_fit_writes_the_run_directory(tmp_path):
    result = fit(resolve(SPIRALS, tmp_path), runs_dir=tmp_path / "runs")
    run = result.run_dir
    assert run.parent == (tmp_path / "runs" / "spirals").resolve()
    for name in ("config.yaml", "metrics.jsonl", "metrics.csv", "summary.json"):
        assert (run / name).is_file(), name
    names = sorted(p.name for p in (run / "checkpoints").iterdir())
    assert names == [
        "best.safetensors",
        "epoch-0001.safetensors",
        "epoch-0002.safetensors",
        "last.safetensors",
    ]
    summary = json.loads((run / "summary.json").read_text())
    assert summary["status"] == "completed" and summary["epochs"] == 2
    assert summary["steps"] == result.steps == 2 * 6  # 90 training samples / 16, rounded up
    assert set(summary["metrics"]) == {"train", "val"}
    assert {"nettrain", "numpy", "python"} <= set(summary["versions"])
    assert summary["device"] == "cpu" and summary["wall_time_s"] >= 0
    records = read_jsonl(run / "metrics.jsonl")
    steps = [r for r in records if r["event"] == "step"]
    epochs = [(r["epoch"], r["split"]) for r in records if r["event"] == "epoch"]
    assert [r["step"] for r in steps] == [2, 4, 6, 8, 10, 12]
    assert epochs == [(1, "train"), (1, "val"), (2, "train"), (2, "val")]
    assert all({"loss", "accuracy", "lr"} <= set(r) for r in steps)
    last = load_checkpoint(run / "checkpoints" / "last.safetensors")
    assert last.meta["epoch"] == 2 and last.meta["step"] == 12
    assert last.meta["config"]["name"] == "spirals"
    best = load_checkpoint(run / "checkpoints" / "best.safetensors").meta
    val_losses = [r["loss"] for r in records if r["event"] == "epoch" and r["split"] == "val"]
    assert best["best_val_loss"] == min(val_losses)
    assert best["epoch"] == 1 + int(np.argmin(val_losses))


def test_checkpoint_cadence_and_no_val_split(tmp_path):
    data = make(SPIRALS, train={"epochs": 3, "checkpoint_every_epochs": 2})
    del data["data"]["val"]
    result = fit(resolve(data, tmp_path), runs_dir=tmp_path)
    names = sorted(p.name for p in (result.run_dir / "checkpoints").iterdir())
    assert "epoch-0002.safetensors" in names and "epoch-0001.safetensors" not in names
    assert set(result.metrics) == {"train"}


def test_callback_gets_start_steps_epochs_and_end(tmp_path):
    events = []
    fit(resolve(SPIRALS, tmp_path), runs_dir=tmp_path, callback=events.append)
    kinds = [e.kind for e in events]
    assert kinds[0] == "start" and kinds[-1] == "end"
    assert kinds.count("step") == 12 and kinds.count("epoch") == 2
    step = next(e for e in events if e.kind == "step")
    assert step.loss is not None and step.accuracy is not None and step.lr == 0.01
    assert step.samples_per_sec is None or step.samples_per_sec > 0
    assert events[-1].metrics["val"]["accuracy"] >= 0


@pytest.mark.filterwarnings("ignore:overflow:RuntimeWarning")
@pytest.mark.filterwarnings("ignore:invalid value:RuntimeWarning")
def test_nan_loss_stops_naming_the_step_and_keeps_the_last_good_checkpoint(tmp_path):
    # epoch 1 trains normally; then the learning rate jumps by 1e12 and the loss overflows
    data = make(REGRESSION, scheduler={"type": "ExponentialLR", "gamma": 1e12}, train={"epochs": 6})
    with pytest.raises(NonFiniteLossError) as info:
        fit(resolve(data, tmp_path), runs_dir=tmp_path)
    error = info.value
    assert error.step > 8  # after the 8 steps of epoch 1
    assert f"at step {error.step}" in str(error)
    assert error.checkpoint is not None and error.checkpoint.name == "last.safetensors"
    saved = load_checkpoint(error.checkpoint)
    assert saved.meta["step"] < error.step
    assert all(np.isfinite(v).all() for v in saved.model.values())
    summary = json.loads((error.run_dir / "summary.json").read_text())
    assert summary["status"] == "non_finite_loss" and f"step {error.step}" in summary["error"]


def test_shape_mismatch_names_the_module_path_and_shapes(tmp_path):
    data = make(SPIRALS)
    data["model"]["layers"][3]["in_features"] = 5
    with pytest.raises(
        ShapeError,
        match=r"model\.layers\.3 \(Linear 5->2\) got input of shape "
        r"\(16, 16\)",
    ):
        fit(resolve(data, tmp_path), runs_dir=tmp_path)


@pytest.mark.filterwarnings("ignore:mse_loss:UserWarning")
def test_loss_shape_mismatch_names_both_shapes(tmp_path):
    data = make(REGRESSION)
    data["model"]["layers"][2]["out_features"] = 3
    with pytest.raises(ShapeError, match=r"loss \(MSELoss\) got model output of shape \(8, 3\)"):
        fit(resolve(data, tmp_path), runs_dir=tmp_path)


def _live_tensors() -> int:
    from nettrain.tensor import Tensor

    gc.collect()
    return sum(1 for o in gc.get_objects() if issubclass(type(o), Tensor))


def test_memory_stays_flat_graphs_are_freed(tmp_path):
    data = make(SPIRALS, train={"epochs": 12, "log_every_steps": 1000})
    counts = {}

    def watch(event):
        if event.kind == "step" and event.step in (8, 70):
            counts[event.step] = _live_tensors()

    fit(resolve(data, tmp_path), runs_dir=tmp_path, callback=watch)
    assert counts[70] - counts[8] <= 5, counts  # 62 more steps, no more live tensors


def test_evaluate_matches_the_run(tmp_path):
    resolved = resolve(SPIRALS, tmp_path)
    result = fit(resolved, runs_dir=tmp_path)
    scores = evaluate(resolved, result.run_dir / "checkpoints" / "last.safetensors", "val")
    assert scores["samples"] == 30
    assert scores["metrics"]["loss"] == pytest.approx(result.metrics["val"]["loss"], rel=1e-6)
    assert scores["metrics"]["accuracy"] == result.metrics["val"]["accuracy"]


def test_max_steps_stops_mid_epoch(tmp_path):
    result = fit(resolve(make(SPIRALS, train={"max_steps": 4}), tmp_path), runs_dir=tmp_path)
    assert result.steps == 4 and result.epochs == 0
    meta = load_checkpoint(result.run_dir / "checkpoints" / "last.safetensors").meta
    assert meta["step"] == 4 and meta["batch_in_epoch"] == 4
