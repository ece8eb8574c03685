"""TensorBoard events: every metric and the lr as scalars, the config as text, readable back."""

from __future__ import annotations

import math
import struct
from pathlib import Path

import pytest

from nettrain.errors import ConfigError

RECORDS = [
    {"event": "step", "split": "train", "epoch": 1, "step": 2, "lr": 0.1, "loss": 1.5,
     "accuracy": 0.25, "samples_per_sec": 900.0, "elapsed_s": 0.1},
    {"event": "epoch", "split": "train", "epoch": 1, "step": 4, "lr": 0.1, "loss": 1.25,
     "accuracy": 0.5, "elapsed_s": 0.2},
    {"event": "epoch", "split": "val", "epoch": 1, "step": 4, "lr": 0.1, "loss": 1.0,
     "accuracy": 0.75, "elapsed_s": 0.2},
    {"event": "step", "split": "train", "epoch": 2, "step": 6, "lr": 0.05, "loss": float("nan"),
     "accuracy": 0.5, "samples_per_sec": 800.0, "elapsed_s": 0.3},
]  # fmt: skip


def _records(path: Path) -> list[bytes]:
    """The payloads of a TFRecord file: u64 length, u32 crc, data, u32 crc."""
    data, out, offset = path.read_bytes(), [], 0
    while offset < len(data):
        (length,) = struct.unpack_from("<Q", data, offset)
        out.append(data[offset + 12 : offset + 12 + length])
        offset += 12 + length + 4
    return out


def _events(logdir: Path):
    """(tag, step, value) scalars and (tag, text) texts from every event file."""
    event_pb2 = pytest.importorskip("tensorboardX.proto.event_pb2")
    scalars, texts = [], {}
    for file in sorted(logdir.glob("events.out.tfevents.*")):
        for payload in _records(file):
            event = event_pb2.Event()
            event.ParseFromString(payload)
            for value in event.summary.value:
                if value.HasField("tensor") and value.tensor.string_val:
                    texts[value.tag] = value.tensor.string_val[0].decode()
                else:
                    scalars.append((value.tag, event.step, value.simple_value))
    return scalars, texts


def test_scalars_for_every_metric_and_the_lr_and_the_config_as_text(tmp_path):
    pytest.importorskip("tensorboardX")
    from nettrain.training.tensorboard import TensorBoardLogger

    logger = TensorBoardLogger(tmp_path, "name: tiny\noptimizer: {type: SGD, lr: 0.1}\n")
    for record in RECORDS:
        logger.write_record(record)
    logger.close()
    scalars, texts = _events(tmp_path / "tensorboard")
    by_tag: dict[str, list[tuple[int, float]]] = {}
    for tag, step, value in scalars:
        by_tag.setdefault(tag, []).append((step, value))
    assert set(by_tag) == {
        "step/loss", "step/accuracy", "step/samples_per_sec", "lr",
        "train/loss", "train/accuracy", "val/loss", "val/accuracy",
    }  # fmt: skip
    assert by_tag["val/loss"] == [(4, 1.0)] and by_tag["train/accuracy"] == [(4, 0.5)]
    assert by_tag["lr"] == [(2, pytest.approx(0.1)), (6, pytest.approx(0.05))]
    (first, second) = by_tag["step/loss"]
    assert first == (2, 1.5) and second[0] == 6 and math.isnan(second[1])  # NaN is kept
    config_tag = next(tag for tag in texts if tag.startswith("config"))
    assert "optimizer: {type: SGD, lr: 0.1}" in texts[config_tag]


def test_readable_by_tensorboards_own_reader_when_installed(tmp_path):
    pytest.importorskip("tensorboardX")
    accumulator = pytest.importorskip("tensorboard.backend.event_processing.event_accumulator")
    from nettrain.training.tensorboard import TensorBoardLogger

    logger = TensorBoardLogger(tmp_path, "name: tiny\n")
    for record in RECORDS:
        logger.write_record(record)
    logger.close()
    reader = accumulator.EventAccumulator(str(tmp_path / "tensorboard"))
    reader.Reload()
    assert [e.value for e in reader.Scalars("val/accuracy")] == [0.75]


def test_missing_tensorboardx_names_the_key_and_the_extra(tmp_path, monkeypatch):
    import nettrain.training.tensorboard as module

    monkeypatch.setattr(module, "tensorboard_available", lambda: False)
    with pytest.raises(ConfigError) as info:
        module.TensorBoardLogger(tmp_path, "")
    assert info.value.issues[0].key_path == "train.tensorboard"
    assert "pip install 'nettrain[tensorboard]'" in str(info.value)


def test_fit_with_tensorboard_logs_each_epoch_metric_and_the_config(tmp_path):
    pytest.importorskip("tensorboardX")
    from nettrain.training.loop import fit
    from nettrain.training.metrics import read_jsonl
    from tests.helpers.configs import SPIRALS, make, resolve

    resolved = resolve(make(SPIRALS, train={"epochs": 2, "tensorboard": True}), tmp_path)
    run_dir = fit(resolved, runs_dir=tmp_path / "runs").run_dir
    scalars, texts = _events(run_dir / "tensorboard")
    logged = {(tag, step): value for tag, step, value in scalars}
    epochs = [r for r in read_jsonl(run_dir / "metrics.jsonl") if r["event"] == "epoch"]
    assert {r["split"] for r in epochs} == {"train", "val"}
    for record in epochs:  # the same numbers as metrics.jsonl, float32 in the event file
        tag = (f"{record['split']}/loss", record["step"])
        assert logged[tag] == pytest.approx(record["loss"], rel=1e-6)
    assert any(tag == "lr" for tag, _, _ in scalars)
    assert any(tag.startswith("config") for tag in texts)
