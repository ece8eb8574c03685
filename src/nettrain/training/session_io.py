"""Checkpoint side of a training session: what goes into a checkpoint and how it comes back.

``CheckpointMixin`` is mixed into ``TrainingSession``; it reads the session's attributes
(model, optimizer, scheduler, position counters) and never trains.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import nettrain
from nettrain._atomic import atomic_write_same
from nettrain.errors import CheckpointError
from nettrain.training import loop
from nettrain.training.checkpoint import encode_checkpoint, restore_model
from nettrain.training.runs import CHECKPOINTS, writing


class CheckpointMixin:
    """Restore from and write checkpoints for ``TrainingSession``."""

    def _restore(self, saved: Any) -> None:
        restore_model(self.model, saved.model, saved.path)
        device = self.parts.device
        parts = [("optimizer", self.optimizer, saved.optimizer)]
        parts.append(("scheduler", self.scheduler, saved.scheduler))
        for label, target, state in parts:
            saved_type = saved.meta.get(f"{label}_type")
            current_type = type(target).__name__ if target is not None else None
            if saved_type is not None and saved_type != current_type:
                raise CheckpointError(
                    f"{saved.path}: the run used {label} {saved_type}, this config has "
                    f"{current_type}; its {label} state does not fit. Resume with the config "
                    "the run used"
                )
            if target is None or state is None:
                continue
            try:
                target.load_state_dict(_to_tensors(state, nettrain, device))
            except (ValueError, KeyError, TypeError, IndexError) as exc:
                raise CheckpointError(
                    f"{saved.path}: its {label} state does not fit this config's {label} "
                    f"{type(target).__name__} ({exc}); resume with the config the run used"
                ) from exc
        meta = saved.meta
        self.epoch = int(meta.get("epoch", 0))
        self.step = int(meta.get("step", 0))
        self.batch_in_epoch = int(meta.get("batch_in_epoch", 0))
        self.best_val_loss = meta.get("best_val_loss")
        self.best_epoch = meta.get("best_epoch")
        self.last_metrics = meta.get("metrics") or {}
        self.partial = meta.get("partial_train")
        self.prior_wall = float(meta.get("wall_time_s", 0.0))
        if "rng" in meta:
            loop.restore_rng(meta["rng"])
        if self.early_stopping is not None and meta.get("early_stopping"):
            self.early_stopping.load_state_dict(meta["early_stopping"])

    def _encode(self) -> bytes:
        meta = {
            "epoch": self.epoch,
            "step": self.step,
            "batch_in_epoch": self.batch_in_epoch,
            "seed": self.seed,
            "device": self.parts.device,
            "config": self.resolved.raw,
            "optimizer_type": type(self.optimizer).__name__,
            "scheduler_type": type(self.scheduler).__name__ if self.scheduler else None,
            "config_file": _text(self.resolved.path),
            "base_dir": _text(self.resolved.base_dir),
            "rng": loop.capture_rng(),
            "metrics": self.last_metrics,
            "best_val_loss": self.best_val_loss,
            "best_epoch": self.best_epoch,
            "partial_train": self.partial,
            "wall_time_s": self._wall(),
            "early_stopping": (
                self.early_stopping.state_dict() if self.early_stopping is not None else None
            ),
        }
        scheduler_state = self.scheduler.state_dict() if self.scheduler is not None else None
        return encode_checkpoint(
            self.model.state_dict(), self.optimizer.state_dict(), scheduler_state, meta
        )

    def _write(self, data: bytes, label: str) -> Path:
        (path,) = self._write_same(data, [label])
        return path

    def _save_epoch_checkpoints(self) -> None:
        every = getattr(self.train_cfg, "checkpoint_every_epochs", 1) or 0
        source = self.last_metrics.get("val") or self.last_metrics.get("train", {})
        loss = source.get("loss")
        improved = (
            loss is not None
            and not loop.non_finite(loss)
            and (self.best_val_loss is None or loss < self.best_val_loss)
        )
        if improved:
            self.best_val_loss, self.best_epoch = loss, self.epoch
        labels = [f"epoch-{self.epoch:04d}"] if every and self.epoch % every == 0 else []
        labels.append("last")
        if improved:
            labels.append("best")
        self._write_same(self._encode(), labels)

    def _write_same(self, data: bytes, labels: list[str]) -> list[Path]:
        """Write one checkpoint under every label (one fsync); a full disk or a file-size
        limit is a StorageError naming the file, and the previous checkpoints stay intact."""
        directory = self.run_dir / CHECKPOINTS
        paths = [directory / f"{label}.safetensors" for label in labels]
        if self.distributed:
            from nettrain.training.parallel import check_replicas

            check_replicas(self.model.state_dict().values(), f"at step {self.step}")
        if self.rank == 0:
            with writing(paths[0], "checkpoint"):
                atomic_write_same(paths, data)
        for label, path in zip(labels, paths):
            self.checkpoints[label if not label.startswith("epoch-") else "epoch"] = str(path)
        return paths


def _to_tensors(state: Any, nettrain: Any, device: str) -> Any:
    """Turn the numpy arrays of a restored optimizer/scheduler state into device tensors."""
    import numpy as np

    if isinstance(state, np.ndarray):
        return nettrain.from_numpy(state.copy()).to(device)
    if isinstance(state, dict):
        return {k: _to_tensors(v, nettrain, device) for k, v in state.items()}
    if isinstance(state, list):
        return [_to_tensors(v, nettrain, device) for v in state]
    if isinstance(state, tuple):
        return tuple(_to_tensors(v, nettrain, device) for v in state)
    return state


def _text(value: Any) -> str | None:
    return None if value is None else str(value)
