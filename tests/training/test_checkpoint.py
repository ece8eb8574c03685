"""Checkpoint files: layout, round trips, atomic writes, and clear errors for bad files."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest

from nettrain.errors import CheckpointError
from nettrain.training import checkpoint as ck
from nettrain.training import runs


def _states():
    model = {
        "layers.0.weight": np.arange(6, dtype=np.float32).reshape(2, 3),
        "layers.0.bias": np.zeros(2, np.float32),
        "bn.num_batches_tracked": np.array(7, dtype=np.int64),
    }
    optimizer = {
        "state": {
            0: {"step": np.array(3.0, np.float32), "exp_avg": np.ones((2, 3), np.float32)},
            1: {"step": 3, "flag": True},
        },
        "param_groups": [
            {
                "lr": 0.1,
                "betas": (0.9, 0.999),
                "eps": 1e-8,
                "params": [0, 1],
                "maximize": False,
                "weight_decay": 0.0,
            }
        ],
    }
    scheduler = {"last_epoch": 4, "base_lrs": [0.1], "_last_lr": [0.05], "gamma": 0.5}
    return model, optimizer, scheduler


def test_round_trip_keeps_values_types_and_shapes(tmp_path):
    model, optimizer, scheduler = _states()
    path = ck.save_checkpoint(
        tmp_path / "c.safetensors",
        model,
        optimizer,
        scheduler,
        meta={
            "epoch": 2,
            "step": 40,
            "metrics": {"val": {"loss": 0.25}},
            "config": {"name": "x"},
            "best": float("inf"),
        },
    )
    loaded = ck.load_checkpoint(path)
    for key, value in model.items():
        assert loaded.model[key].dtype == value.dtype
        assert loaded.model[key].shape == value.shape  # 0-d stays 0-d
        np.testing.assert_array_equal(loaded.model[key], value)
    state = loaded.optimizer["state"]
    assert set(state) == {0, 1}  # integer keys survive
    assert state[0]["step"].shape == () and state[1]["step"] == 3 and state[1]["flag"] is True
    np.testing.assert_array_equal(state[0]["exp_avg"], optimizer["state"][0]["exp_avg"])
    assert loaded.optimizer["param_groups"] == optimizer["param_groups"]  # tuple betas too
    assert loaded.scheduler == scheduler
    assert loaded.meta["epoch"] == 2 and loaded.meta["metrics"]["val"]["loss"] == 0.25
    assert loaded.meta["best"] == float("inf")


def test_layout_is_plain_safetensors_with_prefixes(tmp_path):
    safetensors_numpy = pytest.importorskip("safetensors.numpy")
    model, optimizer, scheduler = _states()
    path = ck.save_checkpoint(
        tmp_path / "c.safetensors", model, optimizer, scheduler, meta={"epoch": 1}
    )
    tensors = safetensors_numpy.load_file(str(path))  # any safetensors reader can open it
    assert "model.layers.0.weight" in tensors
    assert "optimizer.state.0.exp_avg" in tensors
    assert tensors["model.bn.num_batches_tracked"].shape == ()
    _, metadata = ck.read_safetensors(path)
    assert metadata["format"] == "nettrain.checkpoint"
    assert metadata["format_version"] == "1"
    assert json.loads(metadata["nettrain"])["epoch"] == 1


def test_write_is_atomic(tmp_path, monkeypatch):
    model, optimizer, scheduler = _states()
    path = ck.save_checkpoint(tmp_path / "last.safetensors", model, meta={"epoch": 1})
    before = path.read_bytes()

    def crash(src, dst):
        raise OSError("power cut during rename")

    monkeypatch.setattr(runs.os, "replace", crash)
    model2 = {k: v + 1 for k, v in model.items()}
    with pytest.raises(OSError, match="power cut"):
        ck.save_checkpoint(path, model2, meta={"epoch": 2})
    assert path.read_bytes() == before
    assert ck.load_checkpoint(path).meta["epoch"] == 1
    assert os.listdir(tmp_path) == ["last.safetensors"]


def _valid_bytes(tmp_path):
    model, optimizer, scheduler = _states()
    return ck.save_checkpoint(
        tmp_path / "ok.safetensors", model, optimizer, scheduler, meta={"epoch": 1}
    ).read_bytes()


@pytest.mark.parametrize(
    ("mangle", "message"),
    [
        (lambda b: b[: len(b) - 10], "truncated"),
        (lambda b: b[:5], "truncated"),
        (lambda b: b[:40], "truncated"),
        (lambda b: b[:8] + b"{not json" + b[17:], "corrupt"),
        (lambda b: b"PK\x03\x04" + b"\x00" * 200, "not a safetensors file.*torch.save"),
        (lambda b: b"hello, this is a text file\n" * 4, "not a safetensors file"),
        (lambda b: b"", "truncated"),
    ],
    ids=[
        "truncated-data",
        "truncated-length",
        "truncated-header",
        "corrupt-header",
        "zip",
        "text",
        "empty",
    ],
)
def test_bad_files_raise_checkpoint_error(tmp_path, mangle, message):
    path = tmp_path / "bad.safetensors"
    path.write_bytes(mangle(_valid_bytes(tmp_path)))
    with pytest.raises(CheckpointError, match=message):
        ck.load_checkpoint(path)


def test_corrupt_tensor_entry(tmp_path):
    header = json.dumps({"w": {"dtype": "F32", "shape": [3], "data_offsets": [0, 8]}}).encode()
    path = tmp_path / "bad.safetensors"
    path.write_bytes(len(header).to_bytes(8, "little") + header + b"\x00" * 8)
    with pytest.raises(CheckpointError, match="does not fit"):
        ck.read_safetensors(path)


def test_missing_file(tmp_path):
    with pytest.raises(CheckpointError, match="not found"):
        ck.load_checkpoint(tmp_path / "none.safetensors")


def test_plain_state_dict_is_readable_but_not_resumable(tmp_path):
    torch = pytest.importorskip("torch")
    from safetensors.torch import save_file

    path = tmp_path / "torch.safetensors"
    weights = {
        "weight": torch.randn(3, 4),
        "half": torch.ones(2, dtype=torch.bfloat16) * 1.5,
        "steps": torch.tensor(5),
    }
    save_file(weights, str(path))
    tensors, metadata = ck.read_safetensors(path)
    np.testing.assert_array_equal(tensors["weight"], weights["weight"].numpy())
    assert tensors["half"].dtype == np.float32 and tensors["half"].tolist() == [1.5, 1.5]
    assert tensors["steps"].shape == () and int(tensors["steps"]) == 5
    with pytest.raises(CheckpointError, match="not a nettrain checkpoint"):
        ck.load_checkpoint(path)


def test_model_of_another_shape_lists_every_mismatched_key():
    saved = {"0.weight": np.zeros((2, 4)), "0.bias": np.zeros(2), "extra": np.zeros(1)}
    current = {"0.weight": np.zeros((3, 4)), "0.bias": np.zeros(3), "1.weight": np.zeros(1)}
    with pytest.raises(CheckpointError) as info:
        ck.check_model_state(current, saved, "ckpt.safetensors")
    text = str(info.value)
    assert "4 mismatched keys" in text
    assert "model.0.weight: checkpoint (2, 4), model (3, 4)" in text
    assert "model.0.bias: checkpoint (2,), model (3,)" in text
    assert "missing in checkpoint: model.1.weight" in text
    assert "unexpected in checkpoint: model.extra" in text


def test_restore_model_into_nettrain_module(tmp_path):
    from nettrain import nn

    source = nn.Linear(4, 2)
    path = ck.save_checkpoint(tmp_path / "c.safetensors", source.state_dict())
    target = nn.Linear(4, 2)
    ck.restore_model(target, ck.load_checkpoint(path).model, path)
    np.testing.assert_array_equal(target.weight.detach().numpy(), source.weight.detach().numpy())
    with pytest.raises(CheckpointError, match="does not fit this model"):
        ck.restore_model(nn.Linear(5, 2), ck.load_checkpoint(path).model, path)
