"""What ``fit`` reports while it runs (``ProgressEvent`` to a ``Callback``) and returns
(``RunResult``); plain records, so the CLI can draw them without importing the loop."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class ProgressEvent:
    """What the loop reports to its callback.

    ``kind`` is ``"start"`` (once), ``"step"`` (every step, running means of the epoch so
    far), ``"epoch"`` (end of an epoch, ``metrics`` per split) or ``"end"``.
    """

    kind: str
    epoch: int
    epochs: int
    step: int
    steps_per_epoch: int
    batch: int = 0
    loss: float | None = None
    accuracy: float | None = None
    lr: float | None = None
    samples_per_sec: float | None = None
    metrics: dict[str, dict[str, float]] = field(default_factory=dict)
    run_dir: Path | None = None
    message: str | None = None


@dataclass
class RunResult:
    """The outcome of ``fit``: where the run lives and its final numbers."""

    run_dir: Path
    status: str
    epochs: int
    steps: int
    metrics: dict[str, dict[str, float]]
    best_val_loss: float | None
    wall_time_s: float
    device: str
    checkpoints: dict[str, str]
    summary: dict[str, Any]


Callback = Callable[[ProgressEvent], None]
