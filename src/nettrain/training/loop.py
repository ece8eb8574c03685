"""The training loop: ``fit`` trains a config into a run directory, ``evaluate`` scores one.

``fit`` seeds everything, builds the model, loss, optimizer, scheduler and data from the
config, runs ``zero_grad / forward / backward / (clip) / step``, validates every epoch and
writes metrics and checkpoints. Progress goes to an optional ``callback`` (the CLI draws it
with rich; this module imports neither typer nor rich).

Reproducibility: the data order of epoch ``e`` comes from a generator seeded with
``(seed, e)``, and checkpoints hold the global RNG states and the position inside the epoch,
so a resumed run ends with parameters bit-identical to an uninterrupted one (CPU).
"""

from __future__ import annotations

import math
import os
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from nettrain.errors import ConfigError, ConfigIssue, NettrainError
from nettrain.training.checkpoint import load_weights, restore_model
from nettrain.training.guards import ShapeGuard, loss_call
from nettrain.training.metrics import MetricAccumulator
from nettrain.training.runs import find_checkpoint


class NonFiniteLossError(NettrainError, RuntimeError):
    """The loss became NaN or infinite; the run stopped and kept its last good checkpoint."""

    def __init__(
        self,
        message: str,
        step: int,
        epoch: int,
        run_dir: Path | None = None,
        checkpoint: Path | None = None,
    ) -> None:
        super().__init__(message)
        self.step = step
        self.epoch = epoch
        self.run_dir = run_dir
        self.checkpoint = checkpoint


class TrainingInterrupted(NettrainError):
    """Ctrl-C stopped the run; ``checkpoint`` (when saved) resumes it exactly."""

    def __init__(
        self, message: str, run_dir: Path | None, checkpoint: Path | None, resume_command: str
    ) -> None:
        super().__init__(message)
        self.run_dir = run_dir
        self.checkpoint = checkpoint
        self.resume_command = resume_command


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


# -- shared building blocks ----------------------------------------------------------------------


def resolve_device(requested: str | None, configured: str | None = "cpu") -> str:
    """``--device`` wins over the config; ``auto`` means cuda when usable, else cpu."""
    from nettrain.backend import cuda_is_available, parse_device

    choice = requested or configured or "cpu"
    if choice == "auto":
        return "cuda" if cuda_is_available() else "cpu"
    try:
        dev = parse_device(choice)
    except ValueError as exc:
        issue = ConfigIssue("device", str(exc), hint="use cpu, cuda, cuda:N or auto")
        raise ConfigError(issue) from None
    if dev.type == "cuda":
        from nettrain.backend import cupy_module

        cupy_module()  # raises BackendUnavailableError with the install hint
    return str(dev)


def seed_everything(seed: int) -> None:
    """Seed nettrain's global generator, numpy's legacy global state and ``random``."""
    import nettrain

    nettrain.manual_seed(seed)
    np.random.seed(seed % 2**32)
    random.seed(seed)


def capture_rng() -> dict[str, Any]:
    """Every global RNG state, as JSON-friendly values."""
    import nettrain

    name, keys, pos, has_gauss, cached = np.random.get_state()
    version, state, gauss = random.getstate()
    return {
        "nettrain": nettrain.get_rng_state(),
        "numpy": [name, keys.tolist(), int(pos), int(has_gauss), float(cached)],
        "python": [version, list(state), gauss],
    }


def restore_rng(states: dict[str, Any]) -> None:
    """Inverse of ``capture_rng``."""
    import nettrain

    nettrain.set_rng_state(states["nettrain"])
    name, keys, pos, has_gauss, cached = states["numpy"]
    np.random.set_state((name, np.array(keys, dtype=np.uint32), pos, has_gauss, cached))
    version, state, gauss = states["python"]
    random.setstate((version, tuple(state), gauss))


def epoch_seed(seed: int, epoch: int) -> int:
    """The data-order seed of one epoch: depends only on (seed, epoch), so resuming is exact."""
    return int(np.random.SeedSequence([seed % 2**63, epoch]).generate_state(1, np.uint64)[0] >> 1)


def make_loader(dataset: Any, data_cfg: Any, seed: int, epoch: int, train: bool) -> Any:
    """A DataLoader for one epoch; only training batches are shuffled (and dropped)."""
    import nettrain
    from nettrain.utils.data import DataLoader

    generator = nettrain.Generator().manual_seed(epoch_seed(seed, epoch))
    return DataLoader(
        dataset,
        batch_size=data_cfg.batch_size,
        shuffle=bool(data_cfg.shuffle) and train,
        drop_last=bool(getattr(data_cfg, "drop_last", False)) and train,
        generator=generator,
    )


@dataclass
class Components:
    """What a config builds before training: model, loss, data, device."""

    model: Any
    loss_fn: Any
    splits: Any
    device: str
    seed: int


def build_components(
    resolved: Any, device: str | None = None, seed: int | None = None
) -> Components:
    """Seed, then build datasets, model and loss from the config, on ``device``."""
    from nettrain.training.build import build_datasets, build_loss, build_model

    config = resolved.config
    seed = config.seed if seed is None else int(seed)
    dev = resolve_device(device, getattr(config, "device", "cpu"))
    seed_everything(seed)
    splits = build_datasets(config.data, resolved.base_dir, seed)
    model = build_model(config.model).to(dev)
    loss_fn = build_loss(config.loss)
    if hasattr(loss_fn, "to"):
        loss_fn = loss_fn.to(dev)
    return Components(model, loss_fn, splits, dev, seed)


def to_device(batch: Any, device: str) -> Any:
    """Move a batch (a tensor or a tuple of tensors) to ``device``."""
    if isinstance(batch, (list, tuple)):
        return type(batch)(to_device(b, device) for b in batch)
    return batch if device == "cpu" else batch.to(device)


def evaluate_split(
    components: Components,
    dataset: Any,
    data_cfg: Any,
    metrics: list[str],
    guard: ShapeGuard | None = None,
    reduce: Callable[[MetricAccumulator], None] | None = None,
) -> dict[str, float]:
    """Metrics of the model on a whole split, in eval mode, without building graphs.

    ``reduce`` combines the sums of every rank's shard (data-parallel validation).
    """
    import nettrain

    model = components.model
    own_guard = guard is None
    guard = guard or ShapeGuard(model)
    task = getattr(components.splits, "task", "classification")
    accumulator = MetricAccumulator(task, metrics)
    was_training = model.training
    model.eval()
    try:
        with nettrain.no_grad():
            for x, y in make_loader(dataset, data_cfg, components.seed, 0, train=False):
                x, y = to_device((x, y), components.device)
                out = guard.forward(x)
                loss = loss_call(components.loss_fn, out, y)
                accumulator.update(float(loss.item()), out, y)
    finally:
        model.train(was_training)
        if own_guard:
            guard.remove()
    if reduce is not None:
        reduce(accumulator)
    return accumulator.result()


def evaluate(
    resolved: Any,
    checkpoint: str | os.PathLike[str] | None = None,
    split: str = "val",
    device: str | None = None,
    seed: int | None = None,
) -> dict[str, Any]:
    """Load ``checkpoint`` into the config's model and return its metrics on ``split``.

    Example:
        >>> evaluate(load_config("configs/digits_mlp.yaml", []), "runs/digits_mlp/x", "val")
    """
    path = saved = None
    if checkpoint is not None:
        path = find_checkpoint(checkpoint)
        saved = load_weights(path)  # a nettrain checkpoint or a plain (PyTorch) state dict
        if seed is None:  # the seed the run used decides its train/val split
            seed = saved[1].get("seed")
    components = build_components(resolved, device, seed)
    if saved is not None:
        restore_model(components.model, saved[0], path)
    dataset = getattr(components.splits, split, None) if split in ("train", "val", "test") else None
    if dataset is None:
        available = [s for s in ("train", "val", "test") if getattr(components.splits, s, None)]
        raise ConfigError(
            ConfigIssue(
                "data",
                f"the config has no {split!r} split",
                hint=f"available: {', '.join(available)}",
            )
        )
    metrics = evaluate_split(
        components, dataset, resolved.config.data, list(resolved.config.train.metrics)
    )
    return {
        "split": split,
        "checkpoint": str(path) if path else None,
        "samples": len(dataset),
        "device": components.device,
        "metrics": metrics,
    }


def fit(
    resolved: Any,
    device: str | None = None,
    runs_dir: str | os.PathLike[str] = "runs",
    name: str | None = None,
    resume: str | os.PathLike[str] | None = None,
    seed: int | None = None,
    callback: Callback | None = None,
) -> RunResult:
    """Train the config's model; write the run directory; return its results.

    Raises NonFiniteLossError (NaN/inf loss), TrainingInterrupted (Ctrl-C; a checkpoint
    was saved), ConfigError, CheckpointError, ShapeError.

    Example:
        >>> result = fit(load_config("configs/linear.yaml", []), runs_dir="runs")
        >>> result.metrics["train"]["loss"]
    """
    from nettrain.training.session import TrainingSession

    session = TrainingSession(resolved, device, Path(runs_dir), name, resume, seed, callback)
    return session.run()


def non_finite(value: float) -> bool:
    """True for NaN and +-inf."""
    return not math.isfinite(value)


def now() -> float:
    """A monotonic clock for throughput and wall time."""
    return time.perf_counter()
