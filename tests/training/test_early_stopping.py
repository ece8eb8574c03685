"""EarlyStopping on crafted metric sequences, its state, and the config keys that drive it."""

from __future__ import annotations

import math

import pytest

from nettrain.errors import ConfigError
from nettrain.training.early_stopping import EarlyStopping


def _stop_epoch(stopper: EarlyStopping, values, split="val", metric="loss"):
    """The 1-based epoch at which ``update`` first says stop, else None."""
    for epoch, value in enumerate(values, start=1):
        if stopper.update({split: {metric: value}, "train": {"loss": 0.0}}):
            return epoch
    return None


def test_min_mode_stops_after_patience_epochs_without_improvement():
    stopper = EarlyStopping("val.loss", "min", patience=3)
    # best at epoch 2; epochs 3, 4, 5 bring nothing better: stop at 5
    assert _stop_epoch(stopper, [1.0, 0.5, 0.6, 0.5, 0.7, 0.1]) == 5
    assert (stopper.best, stopper.best_epoch, stopper.stopped_epoch) == (0.5, 2, 5)
    assert "did not improve" in stopper.reason and "best 0.5 at epoch 2" in stopper.reason


def test_an_improvement_resets_the_counter():
    stopper = EarlyStopping("val.loss", patience=2)
    assert _stop_epoch(stopper, [1.0, 1.1, 0.9, 1.0, 0.8, 0.85]) is None
    assert stopper.wait == 1 and stopper.best == 0.8


def test_max_mode():
    stopper = EarlyStopping("val.accuracy", "max", patience=1)
    assert _stop_epoch(stopper, [0.5, 0.7, 0.9, 0.9], metric="accuracy") == 4
    assert stopper.best == 0.9 and stopper.best_epoch == 3


def test_min_delta_ignores_small_gains_in_both_modes():
    stopper = EarlyStopping("val.loss", "min", patience=2, min_delta=0.1)
    # 0.95 and 0.91 are within 0.1 of 1.0: no improvement
    assert _stop_epoch(stopper, [1.0, 0.95, 0.91]) == 3
    stopper = EarlyStopping("val.accuracy", "max", patience=1, min_delta=0.05)
    assert _stop_epoch(stopper, [0.5, 0.56, 0.6], metric="accuracy") == 3  # 0.6 - 0.56 < 0.05


def test_patience_zero_stops_at_the_first_epoch_without_improvement():
    assert _stop_epoch(EarlyStopping(patience=0), [1.0, 0.9, 0.9]) == 3


@pytest.mark.parametrize("bad", [math.nan, math.inf])
def test_a_non_finite_value_stops_at_once(bad):
    stopper = EarlyStopping(patience=10)
    assert _stop_epoch(stopper, [1.0, bad]) == 2
    assert "is nan" in stopper.reason or "is inf" in stopper.reason


def test_missing_monitor_names_the_key_and_the_available_metrics():
    stopper = EarlyStopping("val.loss")
    with pytest.raises(ConfigError) as info:
        stopper.update({"train": {"loss": 1.0, "accuracy": 0.5}})
    text = str(info.value)
    assert "train.early_stopping.monitor" in text
    assert "train.loss, train.accuracy" in text and "data.val" in text


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [({"monitor": "loss"}, "monitor"), ({"mode": "best"}, "mode"), ({"patience": -1}, "patience")],
)
def test_bad_arguments_name_their_key(kwargs, field):
    with pytest.raises(ConfigError, match=f"train.early_stopping.{field}"):
        EarlyStopping(**kwargs)


def test_state_dict_resumes_the_count():
    values = [1.0, 0.5, 0.6, 0.7, 0.8, 0.9]
    whole = EarlyStopping(patience=4)
    first = EarlyStopping(patience=4)
    _stop_epoch(first, values[:3])
    resumed = EarlyStopping(patience=4)
    resumed.load_state_dict(first.state_dict())
    assert _stop_epoch(resumed, values[3:]) == 3  # the 6th epoch overall
    assert _stop_epoch(whole, values) == 6
    assert resumed.state_dict() == whole.state_dict()


def test_from_config_builds_from_the_validated_section():
    from nettrain.training.config import validate_data
    from tests.helpers.configs import SPIRALS, make

    data = make(SPIRALS)
    data["train"]["early_stopping"] = {"monitor": "val.accuracy", "mode": "max", "patience": 2}
    resolved = validate_data(data)
    stopper = EarlyStopping.from_config(resolved.config.train.early_stopping)
    assert (stopper.monitor, stopper.mode, stopper.patience, stopper.min_delta) == (
        "val.accuracy",
        "max",
        2,
        0.0,
    )
