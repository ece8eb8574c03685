"""Config validation: schema, registry types and arguments, locations, hints, overrides."""

from __future__ import annotations

import copy
import importlib.util
from pathlib import Path

import numpy as np
import pytest

from nettrain.errors import ConfigError
from nettrain.training.config import (
    DataConfig,
    ResolvedConfig,
    RunConfig,
    TrainConfig,
    load_config,
    validate_data,
)
from nettrain.training.yaml_io import dump_yaml

BASE = {
    "name": "t",
    "model": {
        "type": "Sequential",
        "layers": [
            {"type": "Linear", "in_features": 4, "out_features": 8},
            {"type": "ReLU"},
            {"type": "Linear", "in_features": 8, "out_features": 2},
        ],
    },
    "loss": {"type": "CrossEntropyLoss"},
    "optimizer": {"type": "SGD", "lr": 0.1},
    "data": {
        "train": {"type": "synthetic_classification", "n_samples": 20, "n_features": 4},
        "batch_size": 4,
    },
}


def _config(**changes):
    data = copy.deepcopy(BASE)
    for dotted, value in changes.items():
        node = data
        *parents, last = dotted.split("__")
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node[part]
        if isinstance(node, list):
            node[int(last)] = value
        else:
            node[last] = value
    return data


def _issues(data, **kwargs):
    with pytest.raises(ConfigError) as info:
        validate_data(data, **kwargs)
    return info.value.issues


def _one(data, **kwargs):
    issues = _issues(data, **kwargs)
    assert len(issues) == 1, [str(i) for i in issues]
    return issues[0]


def test_a_valid_config_fills_defaults():
    resolved = validate_data(copy.deepcopy(BASE))
    assert isinstance(resolved, ResolvedConfig)
    config = resolved.config
    assert isinstance(config, RunConfig)
    assert (config.seed, config.device, config.scheduler) == (0, "cpu", None)
    assert isinstance(config.data, DataConfig) and isinstance(config.train, TrainConfig)
    assert (config.data.shuffle, config.data.drop_last, config.data.val) == (True, False, None)
    assert config.train.epochs == 1 and config.train.max_steps is None
    assert config.train.log_every_steps == 10 and config.train.checkpoint_every_epochs == 1
    assert config.train.metrics == ["loss", "accuracy"]
    assert resolved.raw == BASE and resolved.raw is not BASE
    assert resolved.path is None and resolved.base_dir == Path.cwd()


@pytest.mark.parametrize(
    "data, path, hint",
    [
        ({**BASE, "optimiser": {}}, "optimiser", "did you mean 'optimizer'?"),
        (_config(train={"epoch": 3}), "train.epoch", "did you mean 'epochs'?"),
        (_config(data__batchsize=3), "data.batchsize", "did you mean 'batch_size'?"),
    ],
)
def test_unknown_keys_get_suggestions(data, path, hint):
    issue = _one(data)
    assert issue.key_path == path
    assert "unknown key" in issue.message
    assert issue.hint == hint


@pytest.mark.parametrize(
    "data, path, words",
    [
        ({k: v for k, v in BASE.items() if k != "loss"}, "loss", "missing required key"),
        (_config(data__batch_size=0), "data.batch_size", "greater than 0"),
        (_config(data__batch_size="8"), "data.batch_size", "valid integer"),
        (_config(train={"epochs": 0}), "train.epochs", "greater than or equal to 1"),
        (_config(train={"metrics": ["f1"]}), "train.metrics", "unknown metric"),
        (_config(seed=True), "seed", "valid integer"),
        (_config(device="gpu"), "device", "cpu, cuda, cuda:N or auto"),
        (_config(model=[1, 2]), "model", "dictionary"),
    ],
)
def test_schema_errors(data, path, words):
    issue = _one(data)
    assert issue.key_path == path
    assert words in issue.message


def test_a_bare_type_name_gets_a_hint():
    issue = _one(_config(loss="CrossEntropyLoss"))
    assert issue.key_path == "loss"
    assert issue.hint == "a spec is a mapping: write {type: CrossEntropyLoss}"


@pytest.mark.parametrize("name", ["../escape", "/abs", "a/b", ".hidden", "x..y"])
def test_run_names_cannot_leave_the_runs_directory(name):
    issue = _one(_config(name=name))
    assert issue.key_path == "name" and "invalid run name" in issue.message


@pytest.mark.parametrize("device", ["cpu", "cuda", "cuda:1", "auto"])
def test_devices(device):
    assert validate_data(_config(device=device)).config.device == device


@pytest.mark.parametrize(
    "data, path, message, hint",
    [
        (
            _config(model__layers__0__type="Lienar"),
            "model.layers[0].type",
            "unknown module type 'Lienar'",
            "'Linear'",
        ),
        (_config(model__type="os.system"), "model.type", "unknown module type 'os.system'", None),
        (_config(loss={"type": "CrossEntropy"}), "loss.type", "unknown loss type", "'Cross"),
        (_config(optimizer={"type": "Adamw"}), "optimizer.type", "unknown optimizer", "'AdamW'"),
        (_config(scheduler={"type": "StepLr"}), "scheduler.type", "unknown scheduler", "'StepLR'"),
        (_config(data__train={"type": "spiral"}), "data.train.type", "unknown dataset", "spirals"),
        (_config(loss={"reduction": "sum"}), "loss", "missing 'type'", None),
    ],
)
def test_unknown_types_name_the_closest_registered_names(data, path, message, hint):
    issue = _one(data)
    assert issue.key_path == path
    assert message in issue.message
    if hint:
        assert hint in issue.hint


@pytest.mark.parametrize(
    "data, path, message",
    [
        (
            _config(model__layers__0={"type": "Linear", "in_features": 4}),
            "model.layers[0]",
            "missing required argument 'out_features' for Linear",
        ),
        (
            _config(model__layers__1={"type": "ReLU", "inplace": "yes"}),
            "model.layers[1].inplace",
            "expected bool, got str 'yes'",
        ),
        (
            _config(model__layers__0={"type": "Linear", "in_features": 4.5, "out_features": 8}),
            "model.layers[0].in_features",
            "expected int, got float 4.5",
        ),
        (
            _config(optimizer={"type": "SGD", "lr": "fast"}),
            "optimizer.lr",
            "expected float, got str 'fast'",
        ),
        (
            _config(optimizer={"type": "SGD", "params": [1]}),
            "optimizer.params",
            "set by nettrain",
        ),
        (
            _config(model__layers__1={"type": "ReLU", "device": "cuda"}),
            "model.layers[1].device",
            "set by nettrain",
        ),
        (
            _config(scheduler={"type": "LambdaLR", "lr_lambda": "lambda e: 0.9"}),
            "scheduler.lr_lambda",
            "takes a Python function",
        ),
        (
            _config(data__train={"type": "spirals"}),
            "data.train",
            "missing required argument 'n_samples' for spirals",
        ),
    ],
)
def test_argument_errors(data, path, message):
    issue = _one(data)
    assert issue.key_path == path
    assert message in issue.message


def test_unknown_argument_suggests_the_right_one():
    data = _config(model__layers__2={"type": "Linear", "in_features": 8, "out_featurs": 2})
    issues = _issues(data)
    unknown = [i for i in issues if "unknown argument" in i.message]
    assert unknown[0].key_path == "model.layers[2].out_featurs"
    assert unknown[0].hint == "did you mean 'out_features'?"
    assert any("missing required argument 'out_features'" in i.message for i in issues)


@pytest.mark.parametrize(
    "model, path",
    [
        (
            {"type": "ModuleList", "modules": [{"type": "Linear", "in_features": 1}]},
            "model.modules[0]",
        ),
        (
            {"type": "ModuleDict", "modules": {"head": {"type": "Tanh", "x": 1}}},
            "model.modules.head.x",
        ),
        (
            {
                "type": "Sequential",
                "layers": [{"type": "Sequential", "layers": [{"type": "Relu"}]}],
            },
            "model.layers[0].layers[0].type",
        ),
        ({"type": "Sequential", "modules": []}, "model.modules"),
        ({"type": "ModuleDict", "modules": [1]}, "model.modules"),
    ],
)
def test_nested_container_errors_carry_the_full_key_path(model, path):
    paths = [issue.key_path for issue in _issues(_config(model=model))]
    assert path in paths


def test_nested_scheduler_specs_are_checked():
    scheduler = {
        "type": "SequentialLR",
        "schedulers": [{"type": "LinearLR", "start_factr": 0.1}, {"type": "ExpLR"}],
        "milestones": [2],
    }
    issues = _issues(_config(scheduler=scheduler))
    assert [i.key_path for i in issues] == [
        "scheduler.schedulers[0].start_factr",
        "scheduler.schedulers[1].type",
    ]
    assert issues[0].hint == "did you mean 'start_factor'?"


@pytest.mark.parametrize(
    "val, path, words",
    [
        ({"split_from": "train", "fraction": 1.5}, "data.val.fraction", "(0, 1)"),
        ({"split_from": "train"}, "data.val.fraction", "(0, 1)"),
        ({"split_from": "test", "fraction": 0.2}, "data.val.split_from", "only split from"),
        ({"split_from": "train", "fraction": 0.2, "seed": 1}, "data.val.seed", "unknown key"),
        ({"type": "spirals", "n_sample": 5}, "data.val.n_sample", "unknown argument"),
    ],
)
def test_split_specs(val, path, words):
    paths = {i.key_path: i.message for i in _issues(_config(data__val=val))}
    assert path in paths and words in paths[path]


def test_val_and_test_fractions_must_leave_training_data():
    data = _config(data__val={"split_from": "train", "fraction": 0.6})
    data["data"]["test"] = {"split_from": "train", "fraction": 0.4}
    assert "no training samples" in _one(data).message


def test_missing_data_files_are_reported_relative_to_the_config(tmp_path):
    data = _config(data__train={"type": "npz", "path": "data/train.npz"})
    issue = _one(data, base_dir=tmp_path)
    assert issue.key_path == "data.train.path"
    assert str(tmp_path / "data" / "train.npz") in issue.message
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "train.npz").write_bytes(b"")
    validate_data(data, base_dir=tmp_path)


def test_missing_sklearn_gives_the_install_command(monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "sklearn" else real(name, *a)
    )
    issue = _one(_config(data__train={"type": "digits"}))
    assert "scikit-learn" in issue.message or "sklearn" in issue.message
    assert issue.hint == "pip install 'nettrain[sklearn]'"


BAD_FILE = """\
name: bad
model:
  type: Sequential
  layers:
    - {type: Linear, in_features: 4, out_featurs: 2}
    - {type: Softmx, dim: 1}
loss: {type: CrossEntropyLoss, label_smoothing: high}
optimizer: {type: SGD, lr: 0.001}
data:
  train: {type: npz, path: missing.npz}
  batch_size: 3
train:
  epochs: 1
  epochz: 2
"""


def test_all_problems_of_a_file_are_reported_at_once_with_positions(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(BAD_FILE)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    found = {issue.key_path: issue for issue in info.value.issues}
    lines = BAD_FILE.splitlines()

    def at(line, token):
        return line, lines[line - 1].index(token) + 1

    expected = {
        "model.layers[0].out_featurs": at(5, "out_featurs"),
        "model.layers[0]": at(5, "{"),  # missing out_features: located at the spec
        "model.layers[1].type": at(6, "type"),
        "loss.label_smoothing": at(7, "label_smoothing"),
        "data.train.path": at(10, "path"),
        "train.epochz": at(14, "epochz"),
    }
    assert set(found) == set(expected)
    for key, position in expected.items():
        assert (found[key].line, found[key].column) == position, key
        assert found[key].file == str(path)
    assert found["model.layers[0].out_featurs"].hint == "did you mean 'out_features'?"
    assert found["model.layers[1].type"].hint.startswith("did you mean 'Softmax'")
    assert found["train.epochz"].hint == "did you mean 'epochs'?"
    positions = [(issue.line, issue.column) for issue in info.value.issues]
    assert positions == sorted(positions)  # reported in file order
    text = str(info.value)
    assert text.startswith("6 problems in the config:")
    assert f"{path}:5:" in text and "model.layers[0].out_featurs" in text


GOOD_FILE = """\
name: good
model: {type: Linear, in_features: 4, out_features: 2}
loss: {type: CrossEntropyLoss}
optimizer: {type: SGD, lr: 0.001}
data:
  train: {type: synthetic_classification, n_samples: 10, n_features: 4}
  batch_size: 3
"""


def test_overrides_are_applied_and_revalidated(tmp_path):
    path = tmp_path / "good.yaml"
    path.write_text(GOOD_FILE)
    resolved = load_config(path, ["optimizer.lr=0.01", "model.out_features=3", "train.epochs=2"])
    assert resolved.config.optimizer["lr"] == 0.01
    assert resolved.config.model["out_features"] == 3
    assert resolved.config.train.epochs == 2
    assert resolved.raw["optimizer"]["lr"] == 0.01  # the resolved data is what gets saved
    assert resolved.path == path and resolved.base_dir == tmp_path.resolve()
    again = tmp_path / "saved.yaml"
    again.write_text(dump_yaml(resolved.raw))
    assert load_config(again).config == resolved.config


def test_an_override_can_fix_a_bad_file(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text(GOOD_FILE.replace("out_features: 2", "out_features: two"))
    with pytest.raises(ConfigError):
        load_config(path)
    assert load_config(path, ["model.out_features=2"]).config.model["out_features"] == 2


def test_errors_from_overrides_name_the_override(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text(GOOD_FILE)
    with pytest.raises(ConfigError) as info:
        load_config(path, ["optimizer.lr=fast", "model.out_featurs=3", "data.batch_size=0"])
    found = {issue.key_path: issue for issue in info.value.issues}
    assert set(found) == {"optimizer.lr", "model.out_featurs", "data.batch_size"}
    assert found["optimizer.lr"].file == "--set optimizer.lr"
    assert found["optimizer.lr"].line is None
    assert found["model.out_featurs"].hint == "did you mean 'out_features'?"


def test_dotted_index_overrides_are_named_too(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text(BAD_FILE.replace("missing.npz", "d.npz"))
    np.savez(tmp_path / "d.npz", x=np.zeros((3, 4)), y=np.zeros(3, dtype=np.int64))
    with pytest.raises(ConfigError) as info:
        load_config(path, ["model.layers.1.type=Tanhh"])
    found = {issue.key_path: issue for issue in info.value.issues}
    assert found["model.layers[1].type"].file == "--set model.layers[1].type"
    assert found["model.layers[1].type"].hint.startswith("did you mean 'Tanh'")


def test_a_python_tag_in_a_file_is_rejected(tmp_path):
    path = tmp_path / "evil.yaml"
    path.write_text(GOOD_FILE + "extra: !!python/object/apply:os.system ['true']\n")
    with pytest.raises(ConfigError, match="not allowed"):
        load_config(path)


def test_validate_data_rejects_non_mappings():
    with pytest.raises(ConfigError, match="mapping"):
        validate_data([1, 2])  # type: ignore[arg-type]


def test_alias_bomb_still_reports_unknown_top_level_keys(tmp_path):
    bomb = ["lols:", "  a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for level in range(1, 9):
        bomb.append(f"  a{level}: &a{level} [" + ", ".join([f"*a{level - 1}"] * 10) + "]")
    path = tmp_path / "lols.yaml"
    path.write_text("name: lols\nmodle: {type: Linear}\n" + "\n".join(bomb) + "\n")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    messages = [f"{i.key_path}: {i.message}" for i in info.value.issues]
    assert any("lols.a8[0]: YAML anchors and aliases expand" in m for m in messages), messages
    assert any(m.startswith("modle: unknown key") for m in messages), messages
    assert any(m.startswith("lols: unknown key") for m in messages), messages
    unknown = next(i for i in info.value.issues if i.key_path == "modle")
    assert (unknown.file, unknown.line) == (str(path), 2)


# -- the workflow's train options (early_stopping, accumulate_grad_batches, tensorboard) -------


def test_workflow_train_options_have_defaults_and_accept_set(tmp_path):
    from tests.helpers.configs import SPIRALS, write

    path = write(SPIRALS, tmp_path / "cfg.yaml")
    defaults = load_config(path).config.train
    assert defaults.early_stopping is None
    assert (defaults.accumulate_grad_batches, defaults.tensorboard) == (1, False)
    overrides = ["train.early_stopping={monitor: val.accuracy, mode: max}"]
    train = load_config(path, overrides).config.train
    assert train.early_stopping.model_dump() == {
        "monitor": "val.accuracy",
        "mode": "max",
        "patience": 5,
        "min_delta": 0.0,
    }
    train = load_config(path, ["train.accumulate_grad_batches=4", "train.tensorboard=true"])
    assert (train.config.train.accumulate_grad_batches, train.config.train.tensorboard) == (
        4,
        True,
    )


def test_workflow_train_options_are_validated_together(tmp_path):
    from tests.helpers.configs import SPIRALS, write

    path = write(SPIRALS, tmp_path / "cfg.yaml")
    overrides = [
        "train.early_stopping.mode=best",
        "train.early_stopping.patiance=3",
        "train.early_stopping.monitor=val.f1",
        "train.accumulate_grad_batches=0",
        "train.tensorboard=maybe",
    ]
    with pytest.raises(ConfigError) as info:
        load_config(path, overrides)
    text = str(info.value)
    assert len(info.value.issues) == 5, text
    assert "did you mean 'patience'" in text
    assert "cannot monitor 'val.f1'" in text and "available: train.loss" in text
    for key in ("early_stopping.mode", "accumulate_grad_batches", "train.tensorboard"):
        assert key in text


def test_monitoring_val_without_a_val_split_is_an_error(tmp_path):
    from tests.helpers.configs import REGRESSION, write

    path = write(REGRESSION, tmp_path / "cfg.yaml")
    with pytest.raises(ConfigError, match="no data.val split") as info:
        load_config(path, ["train.early_stopping={}"])  # the default monitor is val.loss
    assert info.value.issues[0].key_path == "train.early_stopping.monitor"
    load_config(path, ["train.early_stopping.monitor=train.loss"])
