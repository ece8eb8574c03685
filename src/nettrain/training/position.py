"""Where a run stands: the counters, bests and partial epoch a checkpoint must carry.

``RunPosition`` is the one record the loop advances and a checkpoint stores (its fields are
the position keys of the checkpoint metadata, see ``to_meta``), so resuming restores exactly
what the loop counts, nothing more.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any


@dataclass
class RunPosition:
    """A run's progress and bests.

    Attributes:
        epoch: completed epochs.
        step: completed optimizer steps.
        batch_in_epoch: batches of the current epoch already trained on.
        best_val_loss: the lowest epoch loss so far (validation, else training).
        best_epoch: the epoch that reached ``best_val_loss``.
        wall_time_s: training time before this process started (resumed runs).
        metrics: the last metrics per split (``{"train": {...}, "val": {...}}``).
        partial_train: the running sums of an unfinished epoch's training metrics.
        early_stopping: ``EarlyStopping.state_dict()`` when the config stops early.
    """

    epoch: int = 0
    step: int = 0
    batch_in_epoch: int = 0
    best_val_loss: float | None = None
    best_epoch: int | None = None
    wall_time_s: float = 0.0
    metrics: dict[str, dict[str, float]] = field(default_factory=dict)
    partial_train: dict[str, Any] | None = None
    early_stopping: dict[str, Any] | None = None

    def improve(self, loss: float | None) -> bool:
        """Record this epoch's loss as the best if it beats the previous best (finite only)."""
        if loss is None or not math.isfinite(loss):
            return False
        if self.best_val_loss is not None and loss >= self.best_val_loss:
            return False
        self.best_val_loss, self.best_epoch = loss, self.epoch
        return True

    def to_meta(self) -> dict[str, Any]:
        """The checkpoint metadata keys of this position (JSON-friendly)."""
        return {
            "epoch": self.epoch,
            "step": self.step,
            "batch_in_epoch": self.batch_in_epoch,
            "metrics": self.metrics,
            "best_val_loss": self.best_val_loss,
            "best_epoch": self.best_epoch,
            "partial_train": self.partial_train,
            "wall_time_s": self.wall_time_s,
            "early_stopping": self.early_stopping,
        }

    @classmethod
    def from_meta(cls, meta: dict[str, Any]) -> RunPosition:
        """Inverse of ``to_meta``; keys a checkpoint lacks keep their start-of-run values."""
        return cls(
            epoch=int(meta.get("epoch", 0)),
            step=int(meta.get("step", 0)),
            batch_in_epoch=int(meta.get("batch_in_epoch", 0)),
            best_val_loss=meta.get("best_val_loss"),
            best_epoch=meta.get("best_epoch"),
            wall_time_s=float(meta.get("wall_time_s", 0.0)),
            metrics=meta.get("metrics") or {},
            partial_train=meta.get("partial_train"),
            early_stopping=meta.get("early_stopping") or None,
        )
