"""Confusion matrices match scikit-learn's layout and counts."""

from __future__ import annotations

import numpy as np
import pytest

import nettrain
from nettrain.training.confusion import ConfusionAccumulator, confusion_matrix


def test_matches_sklearn_on_random_labels():
    metrics = pytest.importorskip("sklearn.metrics")
    rng = np.random.default_rng(0)
    target, predicted = rng.integers(0, 5, 200), rng.integers(0, 5, 200)
    ours = confusion_matrix(target, predicted, 5)
    np.testing.assert_array_equal(
        ours, metrics.confusion_matrix(target, predicted, labels=range(5))
    )
    assert ours.dtype == np.int64 and ours.sum() == 200


def test_absent_classes_keep_their_rows_and_columns():
    assert confusion_matrix(np.array([0, 0]), np.array([0, 2]), 4).tolist() == [
        [1, 0, 1, 0],
        [0, 0, 0, 0],
        [0, 0, 0, 0],
        [0, 0, 0, 0],
    ]


def test_out_of_range_labels_are_rejected():
    with pytest.raises(ValueError, match=r"outside the classes 0\.\.1"):
        confusion_matrix(np.array([0, 2]), np.array([0, 1]), 2)
    with pytest.raises(ValueError, match="3 targets but 2 predictions"):
        confusion_matrix(np.array([0, 1, 1]), np.array([0, 1]), 2)


def test_accumulator_sums_batches_of_logits_and_one_hot_targets():
    logits = nettrain.tensor([[2.0, 0.0, 1.0], [0.0, 3.0, 0.0], [0.0, 0.0, 1.0]])
    accumulator = ConfusionAccumulator(3)
    accumulator.update(logits, nettrain.tensor([0, 1, 1]))
    accumulator.update(logits, nettrain.tensor(np.eye(3, dtype=np.float32)))
    assert accumulator.matrix.tolist() == [[2, 0, 0], [0, 2, 1], [0, 0, 1]]
