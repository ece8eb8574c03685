"""A run file that cannot be written (full disk, quota, ``ulimit -f``) is a StorageError that
names the file and the cause, and the last good checkpoint stays intact."""

from __future__ import annotations

import errno
import os

import pytest

from nettrain.errors import StorageError
from nettrain.training import runs
from nettrain.training.checkpoint import load_checkpoint
from nettrain.training.loop import fit
from nettrain.training.metrics import MetricsWriter
from tests.helpers.configs import SPIRALS, make, resolve


class _FullDisk:
    """A file handle whose writes fail as on a full disk."""

    def __init__(self, handle):
        self._handle = handle

    def write(self, data):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    def __getattr__(self, name):
        return getattr(self._handle, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self._handle.close()


def test_full_disk_at_a_checkpoint_names_the_file_and_keeps_the_last_good_one(
    tmp_path, monkeypatch
):
    kept = {}

    def fill_the_disk(event):
        if event.kind == "step" and event.step == 12:  # the last step of epoch 2
            last = event.run_dir / "checkpoints" / "last.safetensors"
            kept["bytes"] = last.read_bytes()
            real_fdopen = os.fdopen
            monkeypatch.setattr(os, "fdopen", lambda *a, **k: _FullDisk(real_fdopen(*a, **k)))

    resolved = resolve(make(SPIRALS, train={"epochs": 2}), tmp_path)
    with pytest.raises(StorageError) as info:
        fit(resolved, runs_dir=tmp_path, callback=fill_the_disk)
    monkeypatch.undo()
    error = info.value
    folder = next(tmp_path.glob("spirals/*/checkpoints"))
    assert str(error).startswith(f"cannot write checkpoint {folder / 'epoch-0002.safetensors'}: ")
    assert "No space left on device (free space or use --runs-dir elsewhere)" in str(error)
    assert error.errno == errno.ENOSPC
    last = folder / "last.safetensors"
    assert last.read_bytes() == kept["bytes"]
    assert load_checkpoint(last).meta["epoch"] == 1
    assert sorted(p.name for p in folder.iterdir()) == [
        "best.safetensors",
        "epoch-0001.safetensors",
        "last.safetensors",
    ]  # no temporary files left behind


def test_full_disk_while_logging_metrics_names_the_file(tmp_path):
    writer = MetricsWriter(tmp_path, ["loss"])
    writer._jsonl = _FullDisk(writer._jsonl)
    with pytest.raises(StorageError, match=r"cannot write metrics .*metrics\.jsonl: No space left"):
        writer.write({"event": "step", "step": 1, "loss": 0.5})
    writer.close()  # does not raise a second error over the first


def test_quota_exceeded_for_the_summary_names_the_file(tmp_path, monkeypatch):
    def over_quota(path, text):
        raise OSError(errno.EDQUOT, os.strerror(errno.EDQUOT))

    monkeypatch.setattr(runs, "atomic_write_text", over_quota)
    with pytest.raises(StorageError, match=r"cannot write summary .*summary\.json: .*quota"):
        runs.write_summary(tmp_path, {"status": "completed"})
