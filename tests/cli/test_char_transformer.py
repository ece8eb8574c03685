"""``nettrain train configs/char_transformer.yaml``: the character transformer LM learns."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np

from .conftest import CONFIGS


def _epochs(run: Path, split: str) -> list[float]:
    lines = (run / "metrics.jsonl").read_text().splitlines()
    events = [json.loads(line) for line in lines]
    return [e["loss"] for e in events if e.get("event") == "epoch" and e["split"] == split]


def _unigram_entropy(path: Path) -> float:
    _, counts = np.unique(np.array(list(path.read_text())), return_counts=True)
    p = counts / counts.sum()
    return float(-(p * np.log(p)).sum())


def test_char_transformer_loss_falls(cli, tmp_path):
    config = CONFIGS / "char_transformer.yaml"
    cli.expect(0, "train", config, "--set", "train.epochs=8", "--runs-dir", tmp_path, "-q")
    (run,) = [p for p in tmp_path.glob("*/*") if p.is_dir()]
    train, val = _epochs(run, "train"), _epochs(run, "val")
    assert len(train) == len(val) == 8
    vocab = len(set((CONFIGS / "data" / "river.txt").read_text()))
    # Starts near the uniform guess log(V), ends clearly below it and below the unigram
    # baseline on held-out text (stride = block_size: held-out windows share no text with
    # the training ones).
    assert abs(train[0] - math.log(vocab)) < 0.5
    assert train[-1] < train[0] - 0.8
    assert val[-1] < _unigram_entropy(CONFIGS / "data" / "river.txt") - 0.2
