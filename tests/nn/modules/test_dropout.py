"""Dropout: train vs eval, 1/(1-p) scaling, gradient through the mask, seeding, errors."""

from __future__ import annotations

import numpy as np
import pytest

import nettrain as nt
import nettrain.nn as nn
import nettrain.nn.functional as F


@pytest.mark.parametrize("p", [0.2, 0.5, 0.9])
def test_train_mode_zeroes_and_scales(p: float) -> None:
    x = nt.ones(200, 50, requires_grad=True)
    out = nn.Dropout(p)(x)
    values = out.detach().numpy()
    kept = values != 0
    np.testing.assert_allclose(values[kept], 1 / (1 - p), rtol=1e-6)
    assert abs(kept.mean() - (1 - p)) < 0.02  # 10,000 draws: within a few std devs
    out.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), values)  # the gradient is the same mask


def test_eval_mode_is_identity_and_matches_torch() -> None:
    torch = pytest.importorskip("torch")
    data = np.random.default_rng(0).standard_normal((4, 5))
    x = nt.tensor(data)
    layer = nn.Dropout(0.5).eval()
    assert layer(x) is x
    np.testing.assert_array_equal(
        layer(x).numpy(), torch.nn.Dropout(0.5).eval()(torch.tensor(data)).numpy()
    )
    assert repr(nn.Dropout(0.3)) == repr(torch.nn.Dropout(0.3))


def test_functional_training_flag_and_extremes() -> None:
    x = nt.randn(10, 10)
    assert F.dropout(x, 0.5, training=False) is x
    assert F.dropout(x, 0.0) is x
    assert not F.dropout(x, 1.0).numpy().any()


def test_seeded_masks_repeat() -> None:
    nt.manual_seed(7)
    a = F.dropout(nt.ones(50)).numpy()
    nt.manual_seed(7)
    b = F.dropout(nt.ones(50)).numpy()
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, F.dropout(nt.ones(50)).numpy())


def test_float32_stays_float32() -> None:
    assert F.dropout(nt.ones(4), 0.5).dtype == nt.float32
    assert F.dropout(nt.ones(4, dtype=nt.float64), 0.5).dtype == nt.float64


def test_inplace() -> None:
    x = nt.ones(100)
    out = F.dropout(x, 0.5, inplace=True)
    assert out is x and (x.numpy() == 0).any()


def test_gradcheck_with_fixed_mask() -> None:
    x = nt.randn(3, 4, dtype=nt.float64, requires_grad=True)

    def fn(t):
        nt.manual_seed(3)  # the same mask at every evaluation
        return F.dropout(t, 0.4)

    assert nt.autograd.gradcheck(fn, (x,))


@pytest.mark.parametrize("p", [-0.1, 1.5])
def test_bad_probability(p: float) -> None:
    with pytest.raises(ValueError, match="between 0 and 1"):
        nn.Dropout(p)
    with pytest.raises(ValueError, match="between 0 and 1"):
        F.dropout(nt.ones(2), p)


def test_dropout_on_device(device: str) -> None:
    x = nt.ones(8, 8, device=device)
    out = nn.Dropout(0.5)(x)
    assert out.device == x.device


def test_gpu_masks_are_drawn_on_the_device_from_a_seeded_generator() -> None:
    """A stand-in array module records what dropout asks of it: one device generator,
    seeded from nettrain's generator, and no host array for the mask."""
    import importlib
    import types

    dropout_module = importlib.import_module("nettrain.nn.functional.dropout")

    calls = []

    def default_rng(seed: int) -> np.random.Generator:
        calls.append(seed)
        return np.random.default_rng(seed)

    fake_xp = types.SimpleNamespace(random=types.SimpleNamespace(default_rng=default_rng))
    nt.manual_seed(3)
    first = dropout_module._keep_mask(fake_xp, (4, 5), 0.5, np.dtype(np.float32))
    nt.manual_seed(3)
    again = dropout_module._keep_mask(fake_xp, (4, 5), 0.5, np.dtype(np.float32))
    assert len(calls) == 2 and calls[0] == calls[1]  # the seed follows manual_seed
    np.testing.assert_array_equal(first, again)
    assert first.dtype == np.float32 and set(np.unique(first)) <= {0.0, 1.0}
    nt.manual_seed(3)
    expected_seed = int(nt.random.default_generator.integers(0, 2**63 - 1, ()))
    assert calls[0] == expected_seed
