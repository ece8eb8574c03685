"""Metric accumulation and the metrics.jsonl / metrics.csv writers."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest

import nettrain as nt
from nettrain.training.metrics import MetricAccumulator, MetricsWriter, read_jsonl


def test_loss_is_sample_weighted_and_accuracy_counts_argmax():
    acc = MetricAccumulator("classification", ["loss", "accuracy"])
    out1 = nt.tensor([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4]])
    acc.update(1.0, out1, nt.tensor([0, 1, 1]))  # 2 of 3 right
    acc.update(4.0, nt.tensor([[0.0, 1.0]]), nt.tensor([1]))  # 1 of 1 right
    result = acc.result()
    assert result["loss"] == pytest.approx((1.0 * 3 + 4.0) / 4)
    assert result["accuracy"] == pytest.approx(3 / 4)


def test_accuracy_with_probability_targets():
    acc = MetricAccumulator("classification", ["loss", "accuracy"])
    target = nt.tensor([[0.1, 0.9], [0.7, 0.3]])
    acc.update(0.5, nt.tensor([[0.0, 1.0], [0.0, 1.0]]), target)
    assert acc.result()["accuracy"] == pytest.approx(0.5)


def test_regression_has_no_accuracy():
    acc = MetricAccumulator("regression", ["loss", "accuracy"])
    acc.update(2.0, nt.zeros(4, 2), nt.ones(4, 2))
    assert acc.result() == {"loss": 2.0}


def test_writer_appends_jsonl_and_wide_csv(tmp_path):
    with MetricsWriter(tmp_path, ["loss", "accuracy"]) as writer:
        writer.write({"event": "step", "split": "train", "epoch": 1, "step": 10, "loss": 0.5})
        writer.write(
            {"event": "epoch", "split": "val", "epoch": 1, "step": 10, "loss": 0.4, "accuracy": 0.9}
        )
    with MetricsWriter(tmp_path, ["loss", "accuracy"]) as writer:  # a resumed run appends
        writer.write(
            {"event": "step", "split": "train", "epoch": 2, "step": 20, "loss": float("nan")}
        )
    records = read_jsonl(tmp_path / "metrics.jsonl")
    assert [r["step"] for r in records] == [10, 10, 20]
    assert records[1]["accuracy"] == 0.9
    assert np.isnan(records[2]["loss"])
    with open(tmp_path / "metrics.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 3  # one header only
    assert rows[1]["split"] == "val" and float(rows[1]["accuracy"]) == 0.9
    assert rows[0]["accuracy"] == ""
    for line in (tmp_path / "metrics.jsonl").read_text().splitlines():
        json.loads(line)


def test_prune_after_drops_records_newer_than_a_checkpoint(tmp_path):
    from nettrain.training.metrics import prune_after

    with MetricsWriter(tmp_path, ["loss"]) as writer:
        for step in (2, 4, 6, 8):
            writer.write({"event": "step", "epoch": 1 + step // 5, "step": step, "loss": 1.0})
        writer.write({"event": "epoch", "split": "train", "epoch": 1, "step": 4, "loss": 1.0})
        writer.write({"event": "epoch", "split": "train", "epoch": 2, "step": 8, "loss": 1.0})
    assert prune_after(tmp_path, step=4, epoch=1) == 3
    records = read_jsonl(tmp_path / "metrics.jsonl")
    assert [(r["event"], r["step"]) for r in records] == [("step", 2), ("step", 4), ("epoch", 4)]
    with open(tmp_path / "metrics.csv", newline="") as handle:
        assert [row["step"] for row in csv.DictReader(handle)] == ["2", "4", "4"]
    assert prune_after(tmp_path, step=4, epoch=1) == 0
