"""Checkpoint files: layout, round trips, atomic writes, and clear errors for bad files."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

import nettrain as nt
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
    assert metadata["format_version"] == str(ck.FORMAT_VERSION) == "2"
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


# -- format versions and the shared codec ------------------------------------------------------

# Written by nettrain main at b2b9c3c (format version 1, before the one codec) from: seed 0,
# Sequential(Linear(3, 2), BatchNorm1d(2)), Adam(lr=0.01, betas=(0.8, 0.9)), StepLR(2, 0.5),
# one step on arange(12).reshape(4, 3) / 10, meta epoch 1, step 1, best_val_loss inf.
V1_FILE = Path(__file__).parent / "data" / "checkpoint_v1.safetensors"


def test_format_1_checkpoint_written_by_the_old_code_still_loads():
    safetensors_numpy = pytest.importorskip("safetensors.numpy")
    raw = safetensors_numpy.load_file(str(V1_FILE))  # an independent reader of the same file
    saved = ck.load_checkpoint(V1_FILE)
    assert set(saved.model) == {k.removeprefix("model.") for k in raw if k.startswith("model.")}
    for key, value in saved.model.items():
        assert value.dtype == raw[f"model.{key}"].dtype
        np.testing.assert_array_equal(value, raw[f"model.{key}"])
    state, groups = saved.optimizer["state"], saved.optimizer["param_groups"]
    assert sorted(state) == [0, 1, 2, 3]  # integer keys from the old __dict__ tag
    np.testing.assert_array_equal(state[2]["exp_avg"], raw["optimizer.state.2.exp_avg"])
    assert groups[0]["betas"] == (0.8, 0.9) and groups[0]["params"] == [0, 1, 2, 3]
    assert saved.scheduler["step_size"] == 2 and saved.scheduler["last_epoch"] == 1
    assert saved.meta["epoch"] == 1 and saved.meta["best_val_loss"] == float("inf")
    assert "optimizer" not in saved.meta and "scheduler" not in saved.meta

    # and it resumes: the state goes into a model, an Adam and a StepLR of the same shape
    from nettrain import nn, optim

    model = nn.Sequential(nn.Linear(3, 2), nn.BatchNorm1d(2))
    ck.restore_model(model, saved.model, V1_FILE)
    opt = optim.Adam(model.parameters(), lr=0.01, betas=(0.8, 0.9))
    opt.load_state_dict(_tensors(saved.optimizer))
    np.testing.assert_array_equal(
        opt.state[model[0].weight]["exp_avg"].numpy(), raw["optimizer.state.0.exp_avg"]
    )
    weights, meta = ck.load_weights(V1_FILE)
    assert meta["step"] == 1 and sorted(weights) == sorted(saved.model)


def _tensors(state):
    if isinstance(state, np.ndarray):
        return nt.from_numpy(state)
    if isinstance(state, dict):
        return {k: _tensors(v) for k, v in state.items()}
    if isinstance(state, (list, tuple)):
        return type(state)(_tensors(v) for v in state)
    return state


def test_resaving_a_format_1_checkpoint_keeps_every_tensor_and_value(tmp_path):
    old = ck.load_checkpoint(V1_FILE)
    path = ck.save_checkpoint(
        tmp_path / "v2.safetensors", old.model, old.optimizer, old.scheduler, old.meta
    )
    new = ck.load_checkpoint(path)
    assert ck.read_safetensors(path)[1]["format_version"] == "2"
    assert sorted(ck.read_safetensors(path)[0]) == sorted(ck.read_safetensors(V1_FILE)[0])
    np.testing.assert_array_equal(
        new.optimizer["state"][1]["exp_avg_sq"], old.optimizer["state"][1]["exp_avg_sq"]
    )
    assert new.optimizer["param_groups"] == old.optimizer["param_groups"]
    assert (new.scheduler, new.meta) == (old.scheduler, old.meta)


def test_a_newer_format_version_says_to_upgrade(tmp_path):
    from nettrain import serialization

    data = serialization.encode(
        {"model": {}}, {"format": ck.FORMAT, "format_version": "9", "nettrain": "{}"}
    )
    path = tmp_path / "future.safetensors"
    path.write_bytes(data)
    with pytest.raises(CheckpointError, match="future.safetensors.*version 9.*upgrade nettrain"):
        ck.load_checkpoint(path)


def test_nettrain_load_reads_a_checkpoint_as_nested_tensors(tmp_path):
    model, optimizer, scheduler = _states()
    path = ck.save_checkpoint(tmp_path / "c.safetensors", model, optimizer, scheduler)
    loaded = nt.load(path)  # the same codec: a checkpoint is a nested state like any other
    assert sorted(loaded) == ["model", "optimizer", "scheduler"]
    assert loaded["model"]["bn.num_batches_tracked"].dtype == nt.int64
    np.testing.assert_array_equal(
        loaded["optimizer"]["state"][0]["exp_avg"].numpy(), optimizer["state"][0]["exp_avg"]
    )
    assert loaded["scheduler"] == scheduler


def test_functions_in_scheduler_state_are_stored_as_none_as_in_pytorch(tmp_path):
    path = ck.save_checkpoint(
        tmp_path / "c.safetensors", {}, None, {"lr_lambdas": [lambda epoch: 0.5], "step": 1}
    )
    assert ck.load_checkpoint(path).scheduler == {"lr_lambdas": [None], "step": 1}


def test_loaded_tensors_are_views_of_one_read_of_the_file(tmp_path):
    model, optimizer, scheduler = _states()
    path = ck.save_checkpoint(tmp_path / "c.safetensors", model, optimizer, scheduler)
    saved = ck.load_checkpoint(path)
    arrays = [*saved.model.values(), saved.optimizer["state"][0]["exp_avg"]]
    assert all(a.flags.aligned and a.flags.writeable for a in arrays)
    buffers = {id(_owner(a)) for a in arrays}
    assert len(buffers) == 1  # no per-tensor copies: all of them view the one file buffer
    assert _owner(arrays[0]).nbytes == path.stat().st_size


def _owner(array):
    while isinstance(array, np.ndarray) and array.base is not None:
        array = array.base
    return array
