"""A tiny classification config (seconds to train) for the workflow command tests."""

from __future__ import annotations

from pathlib import Path

TINY = """\
name: tiny
seed: 0
model:
  type: Sequential
  layers:
    - {{type: Linear, in_features: 2, out_features: 8}}
    - {{type: ReLU}}
    - {{type: Linear, in_features: 8, out_features: 3}}
loss: {{type: CrossEntropyLoss}}
optimizer: {{type: SGD, lr: 0.1}}
data:
  train: {{type: spirals, n_samples: {n_samples}, n_classes: 3, noise: 0.2}}
  val: {{split_from: train, fraction: 0.25}}
  batch_size: 16
train:
  epochs: {epochs}
  log_every_steps: 2
"""


def write_tiny(folder: Path, n_samples: int = 120, epochs: int = 3) -> Path:
    """Write the tiny config into ``folder`` and return its path."""
    path = folder / "tiny.yaml"
    path.write_text(TINY.format(n_samples=n_samples, epochs=epochs), encoding="utf-8")
    return path
