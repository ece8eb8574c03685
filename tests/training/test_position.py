"""RunPosition: the record a checkpoint stores round-trips and tracks the best epoch."""

import math

from nettrain.training.position import RunPosition


def test_to_meta_and_from_meta_round_trip_every_field():
    position = RunPosition(
        epoch=3,
        step=42,
        batch_in_epoch=5,
        best_val_loss=0.25,
        best_epoch=2,
        wall_time_s=1.5,
        metrics={"train": {"loss": 0.3}},
        partial_train={"count": 10, "loss_sum": 2.0},
        early_stopping={"wait": 1},
    )
    assert RunPosition.from_meta(position.to_meta()) == position


def test_from_meta_of_an_empty_checkpoint_is_the_start_of_a_run():
    assert RunPosition.from_meta({}) == RunPosition()


def test_improve_keeps_the_lowest_finite_loss_and_its_epoch():
    position = RunPosition(epoch=1)
    assert position.improve(0.5)
    position.epoch = 2
    assert not position.improve(0.5)  # equal is not better
    assert not position.improve(math.nan) and not position.improve(None)
    position.epoch = 3
    assert position.improve(0.4)
    assert (position.best_val_loss, position.best_epoch) == (0.4, 3)
