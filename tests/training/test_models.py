"""TransformerLM: causal, (N, V, T) logits for CrossEntropyLoss, registered; the text dataset."""

from __future__ import annotations

import numpy as np
import pytest

import nettrain as nt
from nettrain import nn
from nettrain.training.datasets import text
from nettrain.training.models import TransformerLM
from nettrain.training.registry import MODULES


def test_logits_layout_and_loss() -> None:
    nt.manual_seed(0)
    model = TransformerLM(11, 8, d_model=16, nhead=2, num_layers=1, dim_feedforward=32)
    idx = nt.tensor(np.random.default_rng(0).integers(0, 11, (3, 8)))
    out = model(idx)
    assert tuple(out.shape) == (3, 11, 8)  # (N, V, T): what CrossEntropyLoss takes
    loss = nn.CrossEntropyLoss()(out, idx)
    loss.backward()
    assert all(p.grad is not None for p in model.parameters())


def test_is_causal() -> None:
    nt.manual_seed(0)
    model = TransformerLM(11, 8, d_model=16, nhead=2, num_layers=2, dim_feedforward=32).eval()
    a = np.random.default_rng(0).integers(0, 11, (1, 8))
    b = a.copy()
    b[0, 5] = (b[0, 5] + 1) % 11
    out_a = model(nt.tensor(a)).detach().numpy()
    out_b = model(nt.tensor(b)).detach().numpy()
    np.testing.assert_allclose(out_a[..., :5], out_b[..., :5], rtol=1e-6, atol=1e-6)
    assert not np.allclose(out_a[..., 5:], out_b[..., 5:])


def test_too_long_input_is_named() -> None:
    model = TransformerLM(5, 4, d_model=8, nhead=2, num_layers=1, dim_feedforward=8)
    with pytest.raises(ValueError, match="block_size=4"):
        model(nt.zeros((1, 6), dtype=nt.int64))


def test_registered() -> None:
    assert MODULES.get("TransformerLM") is TransformerLM


def test_text_dataset_windows(tmp_path) -> None:
    path = tmp_path / "t.txt"
    path.write_text("abcabdab")
    data = text(str(path), block_size=3, stride=2)
    assert data.num_classes == 4 and data.task == "classification"
    assert data.x.dtype == np.int64 and data.y.dtype == np.int64
    ids = {"a": 0, "b": 1, "c": 2, "d": 3}
    expected = [[ids[c] for c in "abcabdab"[i : i + 4]] for i in (0, 2, 4)]
    np.testing.assert_array_equal(data.x, np.array(expected)[:, :3])
    np.testing.assert_array_equal(data.y, np.array(expected)[:, 1:])


def test_text_dataset_too_short(tmp_path) -> None:
    path = tmp_path / "t.txt"
    path.write_text("abc")
    with pytest.raises(ValueError, match="block_size=3 needs at least 4"):
        text(str(path), block_size=3)
