"""The optimizers and schedulers added for issue 10, built from YAML configs as a user writes
them; LBFGS refused with a message that says why and what to do instead."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import nettrain.optim as optim
from nettrain.errors import ConfigError
from nettrain.training.build import (
    build_model,
    build_optimizer,
    build_scheduler,
    scheduler_steps_per_batch,
)
from nettrain.training.config import load_config

CONFIG = """\
name: t
model:
  type: Sequential
  layers:
    - {{type: Linear, in_features: 4, out_features: 2}}
loss: {{type: CrossEntropyLoss}}
optimizer: {optimizer}
{scheduler}
data:
  train: {{type: synthetic_classification, n_samples: 20, n_features: 4}}
  batch_size: 4
"""


def _load(tmp_path: Path, optimizer: str, scheduler: str = "") -> object:
    path = tmp_path / "c.yaml"
    text = CONFIG.format(
        optimizer=optimizer, scheduler=f"scheduler: {scheduler}" if scheduler else ""
    )
    path.write_text(text)
    return load_config(path).config


@pytest.mark.parametrize(
    "yaml, cls, group",
    [
        ("{type: Adadelta, rho: 0.8, weight_decay: 0.01}", optim.Adadelta, {"rho": 0.8}),
        ("{type: Adamax, lr: 0.01, betas: [0.8, 0.99]}", optim.Adamax, {"betas": [0.8, 0.99]}),
        (
            "{type: NAdam, momentum_decay: 0.005, decoupled_weight_decay: true}",
            optim.NAdam,
            {"momentum_decay": 0.005, "decoupled_weight_decay": True},
        ),
        ("{type: RAdam, lr: 0.003, maximize: true}", optim.RAdam, {"lr": 0.003, "maximize": True}),
    ],
)
def test_new_optimizers_build_from_yaml(tmp_path: Path, yaml: str, cls: type, group: dict) -> None:
    config = _load(tmp_path, yaml)
    opt = build_optimizer(config.optimizer, build_model(config.model).parameters())
    assert type(opt) is cls
    for key, value in group.items():
        assert opt.param_groups[0][key] == value


def test_lbfgs_in_a_config_is_refused_at_validation_naming_the_key(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        _load(tmp_path, "{type: LBFGS}")
    (issue,) = info.value.issues
    assert issue.key_path == "optimizer.type"
    assert "optimizer.type: LBFGS needs a closure" in issue.message
    assert "opt.step(closure)" in issue.hint


def test_lbfgs_is_refused_by_the_builder_too() -> None:
    model = build_model({"type": "Linear", "in_features": 2, "out_features": 1})
    with pytest.raises(ConfigError, match="LBFGS needs a closure"):
        build_optimizer({"type": "LBFGS"}, model.parameters())


@pytest.mark.parametrize(
    "yaml, cls",
    [
        ("{type: ConstantLR, factor: 0.5, total_iters: 3}", "ConstantLR"),
        ("{type: PolynomialLR, total_iters: 10, power: 2.0}", "PolynomialLR"),
        (
            "{type: CosineAnnealingWarmRestarts, T_0: 5, T_mult: 2, eta_min: 0.001}",
            "CosineAnnealingWarmRestarts",
        ),
        (
            "{type: CyclicLR, base_lr: 0.01, max_lr: 0.1, step_size_up: 4, mode: triangular2}",
            "CyclicLR",
        ),
    ],
)
def test_new_schedulers_build_from_yaml(tmp_path: Path, yaml: str, cls: str) -> None:
    config = _load(tmp_path, "{type: SGD, lr: 0.1, momentum: 0.9}", yaml)
    opt = build_optimizer(config.optimizer, build_model(config.model).parameters())
    sched = build_scheduler(config.scheduler, opt, steps_per_epoch=5, epochs=2)
    assert type(sched).__name__ == cls and sched.optimizer is opt
    before = opt.param_groups[0]["lr"]
    for _ in range(3):
        opt.step()
        sched.step()
    assert opt.param_groups[0]["lr"] != before


def test_chained_scheduler_builds_its_children_on_the_same_optimizer(tmp_path: Path) -> None:
    scheduler = (
        "{type: ChainedScheduler, schedulers: [{type: ConstantLR, factor: 0.5, total_iters: 2},"
        " {type: ExponentialLR, gamma: 0.9}]}"
    )
    config = _load(tmp_path, "{type: SGD, lr: 0.1}", scheduler)
    opt = build_optimizer(config.optimizer, build_model(config.model).parameters())
    sched = build_scheduler(config.scheduler, opt, steps_per_epoch=5, epochs=2)
    assert isinstance(sched, optim.lr_scheduler.ChainedScheduler)
    assert [type(s).__name__ for s in sched._schedulers] == ["ConstantLR", "ExponentialLR"]
    assert all(s.optimizer is opt for s in sched._schedulers)
    opt.step()
    sched.step()
    # ConstantLR halved the lr when built; one chained step applies ExponentialLR's gamma
    assert sched.get_last_lr() == pytest.approx([0.1 * 0.5 * 0.9], rel=1e-15)


def test_nested_chained_scheduler_mistakes_carry_the_key_path(tmp_path: Path) -> None:
    scheduler = "{type: ChainedScheduler, schedulers: [{type: ConstantLR, factr: 0.5}]}"
    with pytest.raises(ConfigError) as info:
        _load(tmp_path, "{type: SGD, lr: 0.1}", scheduler)
    assert [i.key_path for i in info.value.issues] == ["scheduler.schedulers[0].factr"]


def test_cyclic_lr_steps_per_batch_like_one_cycle() -> None:
    assert scheduler_steps_per_batch({"type": "CyclicLR"})
    assert not scheduler_steps_per_batch({"type": "CosineAnnealingWarmRestarts"})


def test_nettrain_list_shows_the_new_optimizers_and_schedulers() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "nettrain", "list", "--json"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    for name in ("Adadelta", "Adamax", "NAdam", "RAdam", "LBFGS"):
        assert f'"{name}"' in out, name
    for name in (
        "ChainedScheduler",
        "ConstantLR",
        "CosineAnnealingWarmRestarts",
        "CyclicLR",
        "MultiplicativeLR",
        "PolynomialLR",
    ):
        assert f'"{name}"' in out, name
