"""Scoring a model: ``evaluate_split`` (used by the loop every epoch) and ``evaluate`` (a
checkpoint on one split, for ``nettrain eval``)."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from nettrain.errors import ConfigError, ConfigIssue
from nettrain.training.build import Components, build_components, make_loader, to_device
from nettrain.training.checkpoint import load_weights, restore_model
from nettrain.training.config import DataConfig, ResolvedConfig
from nettrain.training.guards import ShapeGuard, loss_call
from nettrain.training.metrics import MetricAccumulator
from nettrain.training.runs import find_checkpoint


def evaluate_split(
    components: Components,
    dataset: Any,
    data_cfg: DataConfig,
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
    accumulator = MetricAccumulator(components.splits.task, metrics)
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
    resolved: ResolvedConfig,
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
