"""Small configs shared by the loop, resume and CLI tests (built as dicts, validated)."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

SPIRALS: dict[str, Any] = {
    "name": "spirals",
    "seed": 3,
    "device": "cpu",
    "model": {
        "type": "Sequential",
        "layers": [
            {"type": "Linear", "in_features": 2, "out_features": 16},
            {"type": "ReLU"},
            {"type": "Dropout", "p": 0.2},
            {"type": "Linear", "in_features": 16, "out_features": 2},
        ],
    },
    "loss": {"type": "CrossEntropyLoss"},
    "optimizer": {"type": "Adam", "lr": 0.01},
    "scheduler": {"type": "StepLR", "step_size": 1, "gamma": 0.5},
    "data": {
        "train": {"type": "spirals", "n_samples": 120, "n_classes": 2, "noise": 0.1},
        "val": {"split_from": "train", "fraction": 0.25},
        "batch_size": 16,
        "shuffle": True,
    },
    "train": {"epochs": 2, "log_every_steps": 2, "checkpoint_every_epochs": 1},
}

REGRESSION: dict[str, Any] = {
    "name": "regression",
    "seed": 0,
    "device": "cpu",
    "model": {
        "type": "Sequential",
        "layers": [
            {"type": "Linear", "in_features": 3, "out_features": 8},
            {"type": "Tanh"},
            {"type": "Linear", "in_features": 8, "out_features": 2},
        ],
    },
    "loss": {"type": "MSELoss"},
    "optimizer": {"type": "SGD", "lr": 0.01},
    "data": {
        "train": {"type": "synthetic_regression", "n_samples": 64, "n_features": 3, "n_targets": 2},
        "batch_size": 8,
    },
    "train": {"epochs": 2, "log_every_steps": 4, "metrics": ["loss"]},
}


def make(base: dict[str, Any], **sections: Any) -> dict[str, Any]:
    """A deep copy of ``base`` with top-level keys replaced and dict sections merged."""
    data = copy.deepcopy(base)
    for key, value in sections.items():
        if isinstance(value, dict) and isinstance(data.get(key), dict):
            data[key].update(value)
        else:
            data[key] = value
    return data


def resolve(data: dict[str, Any], base_dir: Path) -> Any:
    """Validate a config dict like ``load_config`` does."""
    from nettrain.training.config import validate_data

    return validate_data(copy.deepcopy(data), file="test.yaml", base_dir=base_dir)


def write(data: dict[str, Any], path: Path) -> Path:
    """Write a config dict as YAML (for CLI tests)."""
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path
