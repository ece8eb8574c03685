"""Builders: specs to modules (key paths), losses, optimizers, schedulers, dataset splits."""

from __future__ import annotations

import numpy as np
import pytest

import nettrain as nt
import nettrain.nn as nn
import nettrain.optim as optim
import nettrain.utils.data as data_utils
from nettrain.errors import ConfigError
from nettrain.training.build import (
    build_datasets,
    build_loss,
    build_model,
    build_optimizer,
    build_scheduler,
    load_splits,
    scheduler_steps_per_batch,
)
from nettrain.training.config import DataConfig
from nettrain.training.registry import MODULES

MLP = {
    "type": "Sequential",
    "layers": [
        {"type": "Linear", "in_features": 4, "out_features": 8},
        {"type": "ReLU"},
        {
            "type": "Sequential",
            "layers": [{"type": "Linear", "in_features": 8, "out_features": 2, "bias": False}],
        },
    ],
}


def test_sequential_nests_and_records_key_paths():
    model = build_model(MLP)
    assert isinstance(model, nn.Sequential) and len(model) == 3
    assert isinstance(model[0], nn.Linear) and isinstance(model[1], nn.ReLU)
    assert model[2][0].bias is None
    assert model._nettrain_path == "model"
    assert model[0]._nettrain_path == "model.layers.0"
    assert model[2][0]._nettrain_path == "model.layers.2.layers.0"
    assert list(model.state_dict()) == ["0.weight", "0.bias", "2.0.weight"]
    out = model(nt.randn(3, 4))
    assert tuple(out.shape) == (3, 2)


def test_module_list_and_module_dict():
    spec = {
        "type": "ModuleDict",
        "modules": {
            "encoder": {"type": "Linear", "in_features": 3, "out_features": 5},
            "heads": {"type": "ModuleList", "modules": [{"type": "Tanh"}, {"type": "Identity"}]},
        },
    }
    model = build_model(spec, key_path="net")
    assert isinstance(model, nn.ModuleDict) and list(model.keys()) == ["encoder", "heads"]
    assert isinstance(model["heads"], nn.ModuleList) and len(model["heads"]) == 2
    assert model["encoder"]._nettrain_path == "net.modules.encoder"
    assert model["heads"][1]._nettrain_path == "net.modules.heads.modules.1"


def test_list_arguments_become_tuples_for_modules():
    model = build_model({"type": "Unflatten", "dim": 1, "unflattened_size": [1, 8, 8]})
    assert tuple(model(nt.zeros(2, 64)).shape) == (2, 1, 8, 8)
    conv = build_model(
        {"type": "Conv2d", "in_channels": 1, "out_channels": 2, "kernel_size": [3, 2]}
    )
    assert tuple(conv.weight.shape) == (2, 1, 3, 2)


def test_unknown_type_at_build_time():
    with pytest.raises(ConfigError, match="unknown module type 'os.system'") as info:
        build_model({"type": "Sequential", "layers": [{"type": "os.system"}]})
    assert info.value.issues[0].key_path == "model.layers.0.type"


class _Boom(nn.Module):
    def __init__(self, size: int) -> None:
        super().__init__()
        if size < 0:
            raise ValueError(f"size must be >= 0, got {size}")


def test_constructor_errors_name_the_key_path(monkeypatch):
    monkeypatch.setitem(MODULES._entries, "Boom", _Boom)
    with pytest.raises(ConfigError, match="cannot build Boom: size must be >= 0") as info:
        build_model({"type": "Sequential", "layers": [{"type": "Boom", "size": -1}]})
    assert info.value.issues[0].key_path == "model.layers.0"


def test_loss_with_a_weight_list_gets_a_tensor():
    torch = pytest.importorskip("torch")
    loss = build_loss({"type": "CrossEntropyLoss", "weight": [1.0, 3.0], "label_smoothing": 0.1})
    assert isinstance(loss, nn.CrossEntropyLoss)
    logits = np.random.default_rng(0).normal(size=(4, 2)).astype(np.float32)
    target = np.array([0, 1, 1, 0])
    ours = loss(nt.tensor(logits), nt.tensor(target)).item()
    ref = torch.nn.CrossEntropyLoss(weight=torch.tensor([1.0, 3.0]), label_smoothing=0.1)(
        torch.tensor(logits), torch.tensor(target)
    )
    assert ours == pytest.approx(ref.item(), rel=1e-5)


def test_optimizer_gets_the_parameters_and_options():
    model = build_model(MLP)
    opt = build_optimizer({"type": "SGD", "lr": 0.5, "momentum": 0.9}, model.parameters())
    assert isinstance(opt, optim.SGD)
    assert opt.param_groups[0]["lr"] == 0.5 and opt.param_groups[0]["momentum"] == 0.9
    assert len(opt.param_groups[0]["params"]) == 3


def _opt():
    return optim.SGD(build_model(MLP).parameters(), lr=0.1)


def test_schedulers():
    assert build_scheduler(None, _opt(), 10, 2) is None
    step = build_scheduler({"type": "StepLR", "step_size": 2, "gamma": 0.5}, _opt(), 10, 3)
    assert isinstance(step, optim.lr_scheduler.StepLR) and step.step_size == 2
    assert not scheduler_steps_per_batch({"type": "StepLR"})
    assert not scheduler_steps_per_batch(None)


def test_one_cycle_fills_total_steps_and_steps_per_batch():
    spec = {"type": "OneCycleLR", "max_lr": 0.1}
    assert scheduler_steps_per_batch(spec)
    assert build_scheduler(spec, _opt(), steps_per_epoch=7, epochs=3).total_steps == 21
    given = build_scheduler({**spec, "total_steps": 5}, _opt(), 7, 3)
    assert given.total_steps == 5
    by_epochs = build_scheduler({**spec, "epochs": 2}, _opt(), 7, 3)
    assert by_epochs.total_steps == 14


def test_sequential_lr_builds_its_children_on_the_same_optimizer():
    opt = _opt()
    spec = {
        "type": "SequentialLR",
        "schedulers": [
            {"type": "LinearLR", "start_factor": 0.5, "total_iters": 2},
            {"type": "ExponentialLR", "gamma": 0.9},
        ],
        "milestones": [2],
    }
    scheduler = build_scheduler(spec, opt, 10, 5)
    assert isinstance(scheduler, optim.lr_scheduler.SequentialLR)
    children = scheduler._schedulers
    assert isinstance(children[0], optim.lr_scheduler.LinearLR)
    assert all(child.optimizer is opt for child in children)


def _data(**fields):
    base = {
        "train": {"type": "synthetic_classification", "n_samples": 100, "n_features": 3},
        "batch_size": 10,
    }
    return DataConfig.model_validate({**base, **fields})


def test_split_from_train_is_seeded_disjoint_and_complete(tmp_path):
    cfg = _data(
        val={"split_from": "train", "fraction": 0.2}, test={"split_from": "train", "fraction": 0.1}
    )
    train, val, test = load_splits(cfg, tmp_path, seed=3)
    assert (len(train.y), len(val.y), len(test.y)) == (70, 20, 10)
    full, _, _ = load_splits(_data(), tmp_path, seed=3)
    rows = {tuple(r) for r in full.x.tolist()}
    parts = [{tuple(r) for r in part.x.tolist()} for part in (train, val, test)]
    assert set.union(*parts) == rows and sum(map(len, parts)) == len(rows)
    again = load_splits(cfg, tmp_path, seed=3)
    assert all(np.array_equal(a.x, b.x) for a, b in zip((train, val, test), again))
    other = load_splits(cfg, tmp_path, seed=4)
    assert not np.array_equal(val.x, other[1].x)


def test_a_split_must_leave_samples(tmp_path):
    cfg = _data(val={"split_from": "train", "fraction": 0.001})
    with pytest.raises(ConfigError, match="empty split") as info:
        load_splits(cfg, tmp_path, seed=0)
    assert info.value.issues[0].key_path == "data.val.fraction"


def test_relative_paths_resolve_from_base_dir_and_load_errors_are_located(tmp_path):
    np.savez(tmp_path / "d.npz", x=np.ones((4, 2)), y=np.array([0, 1, 0, 1]))
    train, _, _ = load_splits(_data(train={"type": "npz", "path": "d.npz"}), tmp_path, 0)
    assert train.x.shape == (4, 2)
    (tmp_path / "bad.npz").write_text("nope")
    with pytest.raises(ConfigError, match="cannot load dataset 'npz'") as info:
        load_splits(_data(val={"type": "npz", "path": "bad.npz"}), tmp_path, 0)
    assert info.value.issues[0].key_path == "data.val"


def test_val_must_match_train(tmp_path):
    cfg = _data(val={"type": "synthetic_classification", "n_samples": 5, "n_features": 4})
    if not hasattr(data_utils, "TensorDataset"):
        pytest.skip("nettrain.utils.data.TensorDataset is not written yet")
    with pytest.raises(ConfigError, match="differ from train"):
        build_datasets(cfg, tmp_path, 0)


@pytest.mark.parametrize(
    "train, task, classes, target_dtype",
    [
        ({"type": "spirals", "n_samples": 50, "n_classes": 3}, "classification", 3, "int64"),
        (
            {"type": "synthetic_regression", "n_samples": 50, "n_features": 3},
            "regression",
            None,
            "float32",
        ),
    ],
)
def test_build_datasets_gives_tensor_datasets(tmp_path, train, task, classes, target_dtype):
    if not hasattr(data_utils, "TensorDataset"):
        pytest.skip("nettrain.utils.data.TensorDataset is not written yet")
    splits = build_datasets(
        _data(train=train, val={"split_from": "train", "fraction": 0.2}), tmp_path, 0
    )
    assert isinstance(splits.train, data_utils.TensorDataset) and splits.test is None
    assert (len(splits.train), len(splits.val)) == (40, 10)
    assert (splits.task, splits.num_classes) == (task, classes)
    features, target = splits.train.tensors
    assert features.dtype == nt.float32 and str(target.dtype).endswith(target_dtype)
    assert splits.num_features == features.shape[1] and splits.input_shape == (features.shape[1],)
