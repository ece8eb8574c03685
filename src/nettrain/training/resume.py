"""A run's checkpoint: what the loop puts into one and how a run comes back from it.

Plain functions over the built components, the optimizer/scheduler and a ``RunPosition``;
the file layout itself belongs to ``checkpoint.py`` (``encode_checkpoint``,
``restore_model``), whose public functions are the only ones used here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

import nettrain
from nettrain._atomic import atomic_write_same
from nettrain.errors import CheckpointError
from nettrain.training.build import Components
from nettrain.training.checkpoint import Checkpoint, encode_checkpoint, restore_model
from nettrain.training.config import ResolvedConfig
from nettrain.training.position import RunPosition
from nettrain.training.rng import capture_rng, restore_rng
from nettrain.training.runs import CHECKPOINTS, writing


def encode_run(
    resolved: ResolvedConfig,
    components: Components,
    optimizer: Any,
    scheduler: Any,
    position: RunPosition,
    rng: dict[str, Any] | None = None,
) -> bytes:
    """One checkpoint's bytes: model, optimizer and scheduler state plus the position.

    ``rng`` defaults to the global generators' states now (``capture_rng()``).
    """
    meta = {
        **position.to_meta(),
        "seed": components.seed,
        "device": components.device,
        "config": resolved.raw,
        "optimizer_type": type(optimizer).__name__,
        "scheduler_type": type(scheduler).__name__ if scheduler is not None else None,
        "config_file": _text(resolved.path),
        "base_dir": _text(resolved.base_dir),
        "rng": capture_rng() if rng is None else rng,
    }
    scheduler_state = scheduler.state_dict() if scheduler is not None else None
    return encode_checkpoint(
        components.model.state_dict(), optimizer.state_dict(), scheduler_state, meta
    )


def restore_run(
    saved: Checkpoint, components: Components, optimizer: Any, scheduler: Any
) -> RunPosition:
    """Load ``saved`` into the model, optimizer and scheduler, restore the global RNG states,
    and return the run's position.

    Raises:
        CheckpointError: the checkpoint's optimizer/scheduler differs from this config's.
    """
    restore_model(components.model, saved.model, saved.path)
    for label, target, state in (
        ("optimizer", optimizer, saved.optimizer),
        ("scheduler", scheduler, saved.scheduler),
    ):
        _restore_part(saved, label, target, state, components.device)
    if "rng" in saved.meta:
        restore_rng(saved.meta["rng"])
    return RunPosition.from_meta(saved.meta)


def _restore_part(saved: Checkpoint, label: str, target: Any, state: Any, device: str) -> None:
    saved_type = saved.meta.get(f"{label}_type")
    current_type = type(target).__name__ if target is not None else None
    if saved_type is not None and saved_type != current_type:
        raise CheckpointError(
            f"{saved.path}: the run used {label} {saved_type}, this config has "
            f"{current_type}; its {label} state does not fit. Resume with the config "
            "the run used"
        )
    if target is None or state is None:
        return
    try:
        target.load_state_dict(_to_tensors(state, device))
    except (ValueError, KeyError, TypeError, IndexError) as exc:
        raise CheckpointError(
            f"{saved.path}: its {label} state does not fit this config's {label} "
            f"{type(target).__name__} ({exc}); resume with the config the run used"
        ) from exc


def write_checkpoints(run_dir: Path, data: bytes, labels: list[str]) -> list[Path]:
    """Write one checkpoint under every label (one fsync); a full disk or a file-size
    limit is a StorageError naming the file, and the previous checkpoints stay intact."""
    directory = run_dir / CHECKPOINTS
    paths = [directory / f"{label}.safetensors" for label in labels]
    with writing(paths[0], "checkpoint"):
        atomic_write_same(paths, data)
    return paths


def _to_tensors(state: Any, device: str) -> Any:
    """Turn the numpy arrays of a restored optimizer/scheduler state into device tensors."""
    if isinstance(state, np.ndarray):
        return nettrain.from_numpy(state.copy()).to(device)
    if isinstance(state, dict):
        return {k: _to_tensors(v, device) for k, v in state.items()}
    if isinstance(state, list):
        return [_to_tensors(v, device) for v in state]
    if isinstance(state, tuple):
        return tuple(_to_tensors(v, device) for v in state)
    return state


def _text(value: Any) -> str | None:
    return None if value is None else str(value)
