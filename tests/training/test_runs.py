"""Run directories: fresh per run, never overwritten, never outside the runs directory."""

from __future__ import annotations

import os
from datetime import datetime

import pytest

from nettrain import _atomic
from nettrain.errors import ConfigError
from nettrain.training import runs

NOW = datetime(2025, 1, 2, 3, 4, 5)


def test_run_dir_layout(tmp_path):
    run_dir = runs.create_run_dir(tmp_path, "mlp", NOW)
    assert run_dir == tmp_path.resolve() / "mlp" / "20250102-030405"
    assert (run_dir / "checkpoints").is_dir()


def test_taken_timestamp_gets_a_suffix_and_the_old_run_is_untouched(tmp_path):
    first = runs.create_run_dir(tmp_path, "mlp", NOW)
    (first / "marker.txt").write_text("first run")
    second = runs.create_run_dir(tmp_path, "mlp", NOW)
    third = runs.create_run_dir(tmp_path, "mlp", NOW)
    assert [second.name, third.name] == ["20250102-030405-1", "20250102-030405-2"]
    assert (first / "marker.txt").read_text() == "first run"
    assert sorted(os.listdir(first)) == ["checkpoints", "marker.txt"]


@pytest.mark.parametrize("name", ["../x", "..", "a/b", "/abs", "", ".hidden", "a\\b", "x/../y"])
def test_bad_run_names_are_rejected(tmp_path, name):
    runs_dir = tmp_path / "runs"
    with pytest.raises(ConfigError, match="invalid run name"):
        runs.create_run_dir(runs_dir, name, NOW)
    assert not (tmp_path / "x").exists()
    assert not runs_dir.exists() or not any(runs_dir.iterdir())


@pytest.mark.parametrize("name", ["mnist", "mnist-mlp_2", "v1.0"])
def test_good_run_names(name):
    assert runs.validate_run_name(name) == name


def test_atomic_write_keeps_old_content_when_writing_fails(tmp_path, monkeypatch):
    target = tmp_path / "file.bin"
    _atomic.atomic_write_bytes(target, b"old")

    def broken_fsync(fd):
        raise OSError("disk full")

    monkeypatch.setattr(runs.os, "fsync", broken_fsync)
    with pytest.raises(OSError, match="disk full"):
        _atomic.atomic_write_bytes(target, b"new content")
    assert target.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["file.bin"]  # the temporary file was removed


def test_find_checkpoint_prefers_the_newest(tmp_path):
    run_dir = runs.create_run_dir(tmp_path, "r", NOW)
    last = run_dir / "checkpoints" / "last.safetensors"
    interrupted = run_dir / "checkpoints" / "interrupted.safetensors"
    last.write_bytes(b"1")
    assert runs.find_checkpoint(run_dir) == last
    interrupted.write_bytes(b"2")
    os.utime(last, ns=(1, 1))
    assert runs.find_checkpoint(run_dir) == interrupted
    assert runs.find_checkpoint(last) == last
    assert runs.run_dir_of(last) is None  # no config.yaml: not a run directory
    (run_dir / "config.yaml").write_text("name: r\n")
    assert runs.run_dir_of(last) == run_dir


def test_find_checkpoint_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such checkpoint"):
        runs.find_checkpoint(tmp_path / "missing")
    with pytest.raises(FileNotFoundError, match="holds no checkpoint"):
        runs.find_checkpoint(tmp_path)


def test_resume_command_repeats_the_options_that_shaped_the_run():
    from nettrain.training.runs import resume_command

    command = resume_command("my cfg.yaml", "runs/x/1", ["optimizer.lr=0.1"], "cpu", "out", 7)
    assert command == (
        "nettrain train 'my cfg.yaml' --set optimizer.lr=0.1 --device cpu "
        "--runs-dir out --seed 7 --resume runs/x/1"
    )
    assert resume_command("c.yaml", "runs/x/1", runs_dir="runs") == (
        "nettrain train c.yaml --resume runs/x/1"
    )
