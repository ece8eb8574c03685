"""``train.accumulate_grad_batches`` in the loop: steps count optimizer steps, and a run
interrupted at (or inside) an accumulation group resumes bit-identically."""

from __future__ import annotations

import os
import signal

import numpy as np
import pytest

from nettrain.training import loop
from nettrain.training.checkpoint import load_checkpoint, read_safetensors
from nettrain.training.errors import TrainingInterrupted
from nettrain.training.loop import fit
from tests.helpers.configs import SPIRALS, make, resolve

K = 2


def _config(tmp_path, **train):
    return resolve(
        make(SPIRALS, train={"epochs": 3, "accumulate_grad_batches": K, **train}), tmp_path
    )


def _tensors(run_dir):
    tensors, _ = read_safetensors(run_dir / "checkpoints" / "last.safetensors")
    return tensors


def _assert_identical(a, b):
    assert sorted(a) == sorted(b)
    for key in a:
        assert np.array_equal(a[key], b[key]), f"{key} differs"


@pytest.fixture
def uninterrupted(tmp_path):
    result = fit(_config(tmp_path), runs_dir=tmp_path / "a")
    return _tensors(result.run_dir), result


def test_steps_count_optimizer_steps(tmp_path, uninterrupted):
    _, accumulated = uninterrupted
    plain = fit(resolve(make(SPIRALS, train={"epochs": 3}), tmp_path), runs_dir=tmp_path / "p")
    per_epoch = plain.steps // 3
    assert accumulated.steps == 3 * -(-per_epoch // K)


def test_ctrl_c_at_a_group_boundary_resumes_bit_identically(tmp_path, uninterrupted):
    expected, full = uninterrupted

    def press_ctrl_c(event):
        if event.kind == "step" and event.step == 3:
            os.kill(os.getpid(), signal.SIGINT)

    resolved = _config(tmp_path)
    with pytest.raises(TrainingInterrupted) as info:
        fit(resolved, runs_dir=tmp_path / "b", callback=press_ctrl_c)
    meta = load_checkpoint(info.value.checkpoint).meta
    assert meta["step"] == 3 and meta["batch_in_epoch"] % K == 0
    resumed = fit(resolved, runs_dir=tmp_path / "b", resume=info.value.run_dir)
    _assert_identical(_tensors(resumed.run_dir), expected)
    assert resumed.metrics["train"] == pytest.approx(full.metrics["train"])


def test_interrupt_inside_a_group_rolls_back_to_its_start(tmp_path, uninterrupted, monkeypatch):
    expected, _ = uninterrupted
    calls = {"n": 0}
    original = loop.loss_call

    def loss_call(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2 * K:  # the second batch of the second group: gradients half summed
            raise KeyboardInterrupt
        return original(*args, **kwargs)

    monkeypatch.setattr(loop, "loss_call", loss_call)
    resolved = _config(tmp_path)
    with pytest.raises(TrainingInterrupted) as info:
        fit(resolved, runs_dir=tmp_path / "b")
    meta = load_checkpoint(info.value.checkpoint).meta
    assert (meta["step"], meta["batch_in_epoch"]) == (1, K)  # the group's start
    monkeypatch.setattr(loop, "loss_call", original)
    resumed = fit(resolved, runs_dir=tmp_path / "b", resume=info.value.run_dir)
    _assert_identical(_tensors(resumed.run_dir), expected)
