"""Metric computation and the two metric logs of a run: ``metrics.jsonl`` and ``metrics.csv``.

``metrics.jsonl`` holds one JSON object per logged training step (``"event": "step"``) and
one per epoch and split (``"event": "epoch"``, ``"split": "train" | "val"``). ``metrics.csv``
holds the same records in wide form (one column per field), for spreadsheets and pandas.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import math
import os
from pathlib import Path
from typing import Any

from nettrain.training.runs import writing

BASE_COLUMNS = ["event", "split", "epoch", "step", "lr", "loss"]
TAIL_COLUMNS = ["samples_per_sec", "elapsed_s"]
KNOWN_METRICS = ("loss", "accuracy", "mae", "mse", "rmse")


class MetricAccumulator:
    """Sample-weighted running sums for one pass over a split.

    The loss is weighted by batch size so the epoch loss is the mean over samples,
    independent of how the last (short) batch falls.
    """

    def __init__(self, task: str, metrics: list[str] | tuple[str, ...] = ("loss",)) -> None:
        self.task = task
        self.metrics = [m for m in metrics if m != "loss"]
        self.count = 0
        self.loss_sum = 0.0
        self.correct = 0
        self.abs_sum = 0.0
        self.sq_sum = 0.0
        # decided once: update runs twice per training step (epoch and log window)
        self._counts_correct = "accuracy" in self.metrics and task == "classification"
        self._sums_errors = task == "regression" and bool({"mae", "mse", "rmse"} & {*self.metrics})

    def update(self, loss: float, output: Any, target: Any) -> None:
        """Add one batch: ``loss`` is the batch mean, ``output``/``target`` are tensors."""
        n = int(output.shape[0]) if len(output.shape) else 1
        self.count += n
        self.loss_sum += loss * n
        if self._counts_correct:
            self.correct += _correct(output, target)
        if self._sums_errors:
            diff = (output.detach() - target.detach().reshape(output.shape)).cpu().numpy()
            per_sample = max(diff.size // max(n, 1), 1)  # mean over every output element
            self.abs_sum += float(abs(diff).sum()) / per_sample
            self.sq_sum += float((diff * diff).sum()) / per_sample

    def result(self) -> dict[str, float]:
        """Means over every sample seen since construction."""
        if self.count == 0:
            return {}
        out: dict[str, float] = {"loss": self.loss_sum / self.count}
        if "accuracy" in self.metrics and self.task == "classification":
            out["accuracy"] = self.correct / self.count
        if self.task == "regression":
            if "mae" in self.metrics:
                out["mae"] = self.abs_sum / self.count
            if "mse" in self.metrics:
                out["mse"] = self.sq_sum / self.count
            if "rmse" in self.metrics:
                out["rmse"] = math.sqrt(self.sq_sum / self.count)
        return out


def _correct(output: Any, target: Any) -> int:
    """Number of rows whose arg-max matches the target (class indices or probabilities)."""
    predicted = output.detach().argmax(dim=-1)
    target = target.detach()
    if target.is_floating_point() and len(target.shape) == len(output.shape):
        target = target.argmax(dim=-1)  # probability / one-hot targets
    return int((predicted == target.reshape(predicted.shape)).sum().item())


def _csv_value(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    return value


class MetricsWriter:
    """Appends records to ``metrics.jsonl`` and ``metrics.csv``, flushing each line.

    Resuming into an existing run keeps appending; the CSV keeps the columns of its
    existing header (every field is always in the JSONL file).

    Example:
        >>> writer = MetricsWriter(run_dir, ["loss", "accuracy"])
        >>> writer.write({"event": "step", "step": 10, "loss": 0.5})
    """

    def __init__(self, run_dir: str | os.PathLike[str], metrics: list[str]) -> None:
        self.jsonl_path = Path(run_dir) / "metrics.jsonl"
        self.csv_path = Path(run_dir) / "metrics.csv"
        extra = [m for m in metrics if m != "loss"]
        self.columns = BASE_COLUMNS + extra + TAIL_COLUMNS
        if self.csv_path.exists() and self.csv_path.stat().st_size > 0:
            with open(self.csv_path, newline="", encoding="utf-8") as handle:
                header = next(csv.reader(handle), None)
            if header:
                self.columns = header
            write_header = False
        else:
            write_header = True
        with writing(self.jsonl_path, "metrics"):
            self._jsonl = open(self.jsonl_path, "a", encoding="utf-8")  # noqa: SIM115
        with writing(self.csv_path, "metrics"):
            self._csv_file = open(self.csv_path, "a", newline="", encoding="utf-8")  # noqa: SIM115
            self._csv = csv.DictWriter(
                self._csv_file, fieldnames=self.columns, extrasaction="ignore"
            )
            if write_header:
                self._csv.writeheader()
                self._csv_file.flush()

    def write(self, record: dict[str, Any]) -> None:
        """Append one record to both files (a full disk is a StorageError naming the file)."""
        with writing(self.jsonl_path, "metrics"):
            self._jsonl.write(json.dumps(record, sort_keys=False) + "\n")
            self._jsonl.flush()
        with writing(self.csv_path, "metrics"):
            self._csv.writerow({k: _csv_value(record.get(k)) for k in self.columns})
            self._csv_file.flush()

    def close(self) -> None:
        """Close both files (safe to call twice).

        Every write is flushed, so close only fails after a write already failed (and
        raised a StorageError); raising again here would hide that error.
        """
        for handle in (self._jsonl, self._csv_file):
            with contextlib.suppress(OSError):
                handle.close()

    def __enter__(self) -> MetricsWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def read_jsonl(path: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """All records of a ``metrics.jsonl`` file, in order."""
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def prune_after(run_dir: str | os.PathLike[str], step: int, epoch: int) -> int:
    """Drop records written after a checkpoint (step > ``step`` or epoch > ``epoch``).

    A run resumed from a checkpoint older than its last log lines (a crash, a kill -9)
    would otherwise log those steps twice. Both files are rewritten atomically; returns the
    number of records dropped.
    """
    from nettrain._atomic import atomic_write_text

    jsonl_path = Path(run_dir) / "metrics.jsonl"
    if not jsonl_path.is_file():
        return 0
    records = read_jsonl(jsonl_path)
    kept = [
        r
        for r in records
        if not (r.get("event") == "step" and int(r.get("step", 0)) > step)
        and not (r.get("event") == "epoch" and int(r.get("epoch", 0)) > epoch)
    ]
    if len(kept) == len(records):
        return 0
    with writing(jsonl_path, "metrics"):
        atomic_write_text(jsonl_path, "".join(json.dumps(r) + "\n" for r in kept))
    csv_path = Path(run_dir) / "metrics.csv"
    if csv_path.is_file():
        with open(csv_path, newline="", encoding="utf-8") as handle:
            columns = next(csv.reader(handle), None) or []
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        for record in kept:
            writer.writerow({k: _csv_value(record.get(k)) for k in columns})
        with writing(csv_path, "metrics"):
            atomic_write_text(csv_path, buffer.getvalue())
    return len(records) - len(kept)
