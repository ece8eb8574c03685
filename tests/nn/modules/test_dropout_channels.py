"""Dropout1d/2d/3d and F.dropout1d/2d/3d: whole channels dropped, survivors scaled."""

from __future__ import annotations

import numpy as np
import pytest

import nettrain as nt
import nettrain.nn as nn
import nettrain.nn.functional as F

SHAPES = [
    ("Dropout1d", (8, 16, 5), 2),
    ("Dropout1d", (16, 5), 1),
    ("Dropout2d", (8, 16, 3, 4), 2),
    ("Dropout3d", (8, 16, 2, 3, 2), 2),
    ("Dropout3d", (16, 2, 3, 2), 1),
]


@pytest.mark.parametrize(("name", "shape", "lead"), SHAPES)
def test_whole_channels_are_dropped_and_the_rest_scaled(name, shape, lead, device) -> None:
    p = 0.4
    x = nt.ones(*shape, device=device, requires_grad=True)
    out = getattr(nn, name)(p)(x)
    values = out.detach().cpu().numpy().reshape(*shape[:lead], -1)
    per_channel = values[..., :1]
    assert np.all(values == per_channel), "a channel was only partly dropped"
    np.testing.assert_allclose(np.unique(per_channel), [0.0, 1 / (1 - p)], rtol=1e-6)
    out.sum().backward()  # the gradient is the same channel mask
    np.testing.assert_allclose(x.grad.cpu().numpy(), out.detach().cpu().numpy())


def test_drop_rate_is_near_p() -> None:
    out = F.dropout2d(nt.ones(200, 50, 2, 2), p=0.3)
    rate = float((out.numpy()[:, :, 0, 0] == 0).mean())
    assert abs(rate - 0.3) < 0.02  # 10000 Bernoulli draws: 5 standard deviations is 0.023


@pytest.mark.parametrize("name", ["Dropout1d", "Dropout2d", "Dropout3d"])
def test_eval_p0_p1_inplace_and_repr(name) -> None:
    torch = pytest.importorskip("torch")
    fn = getattr(F, name.lower())
    x = nt.randn(2, 3, 4, 5, 6)[..., 0] if name == "Dropout2d" else nt.randn(2, 3, 4, 5)
    if name == "Dropout1d":
        x = x[..., 0]
    layer = getattr(nn, name)(0.5).eval()
    assert layer(x) is x
    assert fn(x, p=0.0) is x
    assert not fn(x, p=1.0).numpy().any()
    y = x.clone()
    assert fn(y, p=0.5, inplace=True) is y
    assert repr(getattr(nn, name)(0.25, True)) == repr(getattr(torch.nn, name)(0.25, True))
    with pytest.raises(ValueError, match="between 0 and 1"):
        getattr(nn, name)(1.5)


def test_ranks_follow_torch() -> None:
    with pytest.raises(RuntimeError, match="Expected 2D or 3D input"):
        F.dropout1d(nt.ones(2, 3, 4, 5))
    with pytest.warns(UserWarning, match="interpreted as shape"):
        out = F.dropout2d(nt.ones(40, 30, 4), p=0.5)
    values = out.numpy()
    assert np.all(values == values[..., :1])  # (N, C, L): one mask entry per (n, c)
    with pytest.warns(UserWarning, match="deprecated"):
        F.dropout3d(nt.ones(2, 3, 4))
