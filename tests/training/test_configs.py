"""Every example in configs/ validates, builds, and runs one forward pass through model and loss.

Training them to their targets is the loop's job (tests/training/test_loop*, the CLI tests);
here a broken example config fails fast, before anyone tries to train it.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

import nettrain as nt
import nettrain.nn as nn
import nettrain.optim as optim
from nettrain.training.build import (
    build_loss,
    build_model,
    build_optimizer,
    build_scheduler,
    load_splits,
)
from nettrain.training.config import load_config
from nettrain.training.datasets import DATASETS

CONFIGS = sorted((Path(__file__).parents[2] / "configs").glob("*.yaml"))
REQUIRED = {"linear", "spirals_mlp", "digits_mlp", "digits_cnn", "regression"}


def test_the_required_examples_exist():
    assert {path.stem for path in CONFIGS} >= REQUIRED


def _needs_sklearn(resolved) -> None:
    loader = DATASETS.get(resolved.config.data.train["type"])
    if getattr(loader, "_nettrain_requires", None) == "sklearn":
        pytest.importorskip("sklearn")


@pytest.mark.parametrize("path", CONFIGS, ids=[p.stem for p in CONFIGS])
def test_config_validates_and_builds(path):
    resolved = load_config(path)
    config = resolved.config
    assert config.name == path.stem
    _needs_sklearn(resolved)
    train, val, _ = load_splits(config.data, resolved.base_dir, config.seed)
    nt.manual_seed(config.seed)
    model = build_model(config.model)
    loss_fn = build_loss(config.loss)
    optimizer = build_optimizer(config.optimizer, model.parameters())
    steps = math.ceil(len(train.y) / config.data.batch_size)
    scheduler = build_scheduler(config.scheduler, optimizer, steps, config.train.epochs)
    assert (scheduler is None) == (config.scheduler is None)
    batch = slice(0, config.data.batch_size)
    out = model(nt.from_numpy(train.x[batch]))
    loss = loss_fn(out, nt.from_numpy(train.y[batch]))
    assert loss.dim() == 0 and np.isfinite(loss.item())
    loss.backward()
    assert all(p.grad is not None for p in model.parameters())
    optimizer.step()
    if train.task == "classification":
        assert out.shape[1] == train.num_classes
    else:
        assert tuple(out.shape) == train.y[batch].shape
    if val is not None:
        assert val.x.shape[1:] == train.x.shape[1:]


def test_linear_is_the_classic_example():
    resolved = load_config(next(p for p in CONFIGS if p.stem == "linear"))
    config = resolved.config
    model = build_model(config.model)
    assert [type(m) for m in model] == [nn.Linear, nn.Softmax]
    assert (model[0].in_features, model[0].out_features, model[1].dim) == (4, 2, 1)
    assert isinstance(build_loss(config.loss), nn.CrossEntropyLoss)
    optimizer = build_optimizer(config.optimizer, model.parameters())
    assert isinstance(optimizer, optim.SGD) and optimizer.param_groups[0]["lr"] == 0.001
    train, val, test = load_splits(config.data, resolved.base_dir, config.seed)
    assert train.x.shape == (3, 4) and train.y.tolist() == [1, 0, 1]
    assert val is None and test is None
    assert config.data.batch_size == 3 and config.train.epochs == 1
