"""Early stopping on a monitored epoch metric (``train.early_stopping`` in the config).

Semantics follow PyTorch Lightning's ``EarlyStopping``: after each epoch the monitored value
(``val.loss``: split ``val``, metric ``loss``) improves when it beats the best so far by more
than ``min_delta`` (below it for ``mode: min``, above for ``max``); otherwise a counter
grows, and the run stops once ``patience`` epochs in a row brought no improvement. A NaN or
infinite value stops at once. ``state_dict`` goes into checkpoints so a resumed run counts
on from where it stopped.

Example:
    >>> stopper = EarlyStopping(monitor="val.loss", patience=2)
    >>> [stopper.update({"val": {"loss": v}}) for v in (1.0, 0.9, 0.95, 0.91)][-1]
    True
"""

from __future__ import annotations

import math
from typing import Any

from nettrain.errors import ConfigError, ConfigIssue

KEY = "train.early_stopping"


class EarlyStopping:
    """Decides after each epoch whether training should stop; see the module docstring.

    Args:
        monitor: ``<split>.<metric>``, e.g. ``val.loss`` or ``val.accuracy``.
        mode: ``min`` (lower is better) or ``max``.
        patience: epochs without improvement before stopping (0: stop at the first).
        min_delta: the smallest change that counts as an improvement (>= 0).
    """

    def __init__(
        self,
        monitor: str = "val.loss",
        mode: str = "min",
        patience: int = 5,
        min_delta: float = 0.0,
    ) -> None:
        split, dot, metric = monitor.partition(".")
        if not dot or not split or not metric:
            raise _issue("monitor", f"expected <split>.<metric> such as val.loss, got {monitor!r}")
        if mode not in ("min", "max"):
            raise _issue("mode", f"mode must be 'min' or 'max', got {mode!r}")
        if patience < 0 or min_delta < 0:
            raise _issue("patience" if patience < 0 else "min_delta", "must be >= 0")
        self.monitor, self.mode, self.patience = monitor, mode, int(patience)
        self.min_delta = float(min_delta)
        self.split, self.metric = split, metric
        self.best: float | None = None
        self.best_epoch: int | None = None
        self.wait = 0
        self.epoch = 0
        self.stopped_epoch: int | None = None
        self.reason: str | None = None

    def value(self, metrics: dict[str, dict[str, float]]) -> float:
        """The monitored value; a ConfigError naming the available metrics when it is absent."""
        found = metrics.get(self.split, {})
        if self.metric not in found:
            available = [f"{s}.{m}" for s, values in metrics.items() for m in values]
            raise _issue(
                "monitor",
                f"{self.monitor!r} is not among this run's epoch metrics",
                f"available: {', '.join(available) or 'none'}"
                + ("; add a data.val split to monitor val.*" if self.split == "val" else ""),
            )
        return float(found[self.metric])

    def improved(self, value: float) -> bool:
        """Whether ``value`` beats the best so far by more than ``min_delta``."""
        if self.best is None:
            return True
        if self.mode == "min":
            return value < self.best - self.min_delta
        return value > self.best + self.min_delta

    def update(self, metrics: dict[str, dict[str, float]]) -> bool:
        """Record one epoch's metrics (``{"val": {"loss": ...}}``); True means stop now."""
        self.epoch += 1
        value = self.value(metrics)
        if not math.isfinite(value):
            return self._stop(f"{self.monitor} is {value}")
        if self.improved(value):
            self.best, self.best_epoch, self.wait = value, self.epoch, 0
            return False
        self.wait += 1
        if self.wait >= self.patience:
            return self._stop(
                f"{self.monitor} did not improve by more than {self.min_delta:g} for "
                f"{self.wait} epoch(s) (best {self.best:.6g} at epoch {self.best_epoch})"
            )
        return False

    def _stop(self, reason: str) -> bool:
        self.stopped_epoch, self.reason = self.epoch, f"early stopping: {reason}"
        return True

    def state_dict(self) -> dict[str, Any]:
        """Counters and the best value, for checkpoints (JSON-friendly)."""
        return {
            "best": self.best,
            "best_epoch": self.best_epoch,
            "wait": self.wait,
            "epoch": self.epoch,
            "stopped_epoch": self.stopped_epoch,
            "reason": self.reason,
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore what ``state_dict`` returned."""
        for key in ("best", "best_epoch", "wait", "epoch", "stopped_epoch", "reason"):
            setattr(self, key, state[key])

    @classmethod
    def from_config(cls, spec: Any) -> EarlyStopping:
        """Build from the validated ``train.early_stopping`` section (a model or a dict)."""
        data = spec.model_dump() if hasattr(spec, "model_dump") else dict(spec)
        return cls(**data)


def _issue(field: str, message: str, hint: str | None = None) -> ConfigError:
    return ConfigError(ConfigIssue(f"{KEY}.{field}", message, hint=hint))
