"""Confusion matrices for classification: rows are true classes, columns predicted ones.

The layout is scikit-learn's ``confusion_matrix`` (``C[i, j]`` counts samples of class
``i`` predicted as ``j``), so the numbers read the same in either tool. ``nettrain eval``
prints it for classification splits.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np


def confusion_matrix(target: np.ndarray, predicted: np.ndarray, num_classes: int) -> np.ndarray:
    """Counts of (true, predicted) pairs as an int64 ``(num_classes, num_classes)`` array.

    Example:
        >>> confusion_matrix(np.array([0, 1, 1]), np.array([0, 0, 1]), 2).tolist()
        [[1, 0], [1, 1]]
    """
    target = np.asarray(target, dtype=np.int64).reshape(-1)
    predicted = np.asarray(predicted, dtype=np.int64).reshape(-1)
    if target.shape != predicted.shape:
        raise ValueError(f"{target.size} targets but {predicted.size} predictions")
    for name, values in (("target", target), ("prediction", predicted)):
        if values.size and (values.min() < 0 or values.max() >= num_classes):
            raise ValueError(f"a {name} is outside the classes 0..{num_classes - 1}")
    flat = np.bincount(target * num_classes + predicted, minlength=num_classes * num_classes)
    return flat.reshape(num_classes, num_classes)


class ConfusionAccumulator:
    """Sums the confusion matrix over batches of model outputs (logits or probabilities)."""

    def __init__(self, num_classes: int) -> None:
        self.num_classes = num_classes
        self.matrix = np.zeros((num_classes, num_classes), dtype=np.int64)

    def update(self, output: Any, target: Any) -> None:
        """Add one batch: ``output`` (n, classes), ``target`` indices (n,) or one-hot (n, C)."""
        predicted = output.detach().argmax(dim=-1).cpu().numpy()
        labels = target.detach()
        if labels.is_floating_point() and len(labels.shape) == len(output.shape):
            labels = labels.argmax(dim=-1)
        self.matrix += confusion_matrix(labels.cpu().numpy(), predicted, self.num_classes)


def evaluate_confusion(
    resolved: Any,
    checkpoint: str | os.PathLike[str],
    split: str = "val",
    device: str | None = None,
) -> list[list[int]] | None:
    """The confusion matrix of ``checkpoint`` on ``split``; None for a regression task.

    Built like ``evaluate.evaluate`` (same seed, so the same train/val split) in one more pass.
    """
    import nettrain
    from nettrain.training.build import build_components, make_loader, to_device
    from nettrain.training.checkpoint import load_weights, restore_model
    from nettrain.training.runs import find_checkpoint

    path = find_checkpoint(checkpoint)
    state, meta = load_weights(path)
    components = build_components(resolved, device, meta.get("seed"))
    splits = components.splits
    if getattr(splits, "task", None) != "classification" or not splits.num_classes:
        return None
    restore_model(components.model, state, path)
    dataset = getattr(splits, split)
    accumulator = ConfusionAccumulator(int(splits.num_classes))
    components.model.eval()
    with nettrain.no_grad():
        for x, y in make_loader(dataset, resolved.config.data, components.seed, 0, train=False):
            x, y = to_device((x, y), components.device)
            accumulator.update(components.model(x), y)
    return accumulator.matrix.tolist()
