"""BatchNorm1d/2d, LayerNorm and GroupNorm against PyTorch: train and eval outputs and
gradients, running statistics over several steps, buffers, state_dict, repr and errors.
(Named ``test_normalization_layers``: ``tests/ops/test_normalization.py`` holds op tests.)
"""

from __future__ import annotations

import numpy as np
import pytest

import nettrain as nt
import nettrain.nn as nn
from nettrain.errors import ShapeError
from tests.helpers.torchcheck import compare, copy_weights, gradcheck_module

CONFIGS = [
    ("BatchNorm1d", (3,), {}, (5, 3)),
    ("BatchNorm1d", (3,), {"momentum": None, "eps": 1e-3}, (4, 3, 6)),
    ("BatchNorm1d", (3,), {"affine": False}, (6, 3)),
    ("BatchNorm2d", (2,), {"momentum": 0.3}, (3, 2, 4, 3)),
    ("BatchNorm2d", (2,), {"track_running_stats": False}, (3, 2, 2, 2)),
    ("BatchNorm2d", (2,), {"bias": False}, (2, 2, 3, 3)),
    ("LayerNorm", ((3, 4),), {}, (2, 5, 3, 4)),
    ("LayerNorm", (4,), {"elementwise_affine": False, "eps": 1e-3}, (3, 4)),
    ("LayerNorm", (4,), {"bias": False}, (2, 3, 4)),
    ("GroupNorm", (2, 4), {}, (3, 4, 5)),
    ("GroupNorm", (3, 6), {"affine": False}, (2, 6, 2, 2)),
    ("RMSNorm", (4,), {}, (2, 3, 4)),
    ("RMSNorm", ((3, 4),), {"eps": 1e-3}, (2, 3, 4)),
    ("RMSNorm", (4,), {"elementwise_affine": False}, (3, 4)),
]
IDS = [f"{name}-{i}" for i, (name, *_) in enumerate(CONFIGS)]


def _pair(name: str, args: tuple, kwargs: dict):
    torch = pytest.importorskip("torch")
    return getattr(nn, name)(*args, **kwargs), getattr(torch.nn, name)(*args, **kwargs)


def _randomize(reference) -> None:
    """Non-trivial affine parameters and running statistics on the PyTorch module."""
    import torch

    with torch.no_grad():
        for p in reference.parameters():
            p.copy_(torch.randn_like(p))
        if getattr(reference, "running_var", None) is not None:
            reference.running_mean.copy_(torch.randn_like(reference.running_mean))
            reference.running_var.uniform_(0.5, 2.0)


@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize(("name", "args", "kwargs", "shape"), CONFIGS, ids=IDS)
def test_matches_torch(name, args, kwargs, shape, dtype: str, training: bool) -> None:
    module, reference = _pair(name, args, kwargs)
    _randomize(reference)
    module.train(training)
    reference.train(training)
    x = np.random.default_rng(3).standard_normal(shape) * 2 + 1
    compare(module, reference, [x], dtype=dtype)
    for key, value in reference.state_dict().items():  # running statistics moved alike
        np.testing.assert_allclose(
            module.state_dict()[key].numpy(), value.numpy(), rtol=1e-5, atol=1e-6, err_msg=key
        )


@pytest.mark.parametrize(("name", "args", "kwargs", "shape"), CONFIGS, ids=IDS)
def test_repr_and_state_dict_match_torch(name, args, kwargs, shape) -> None:
    module, reference = _pair(name, args, kwargs)
    assert repr(module) == repr(reference)
    ours = [(k, tuple(v.shape), str(v.dtype)[-5:]) for k, v in module.state_dict().items()]
    theirs = [(k, tuple(v.shape), str(v.dtype)[-5:]) for k, v in reference.state_dict().items()]
    assert ours == theirs


@pytest.mark.parametrize("momentum", [0.1, None])
def test_running_statistics_over_steps(momentum) -> None:
    torch = pytest.importorskip("torch")
    module, reference = (
        nn.BatchNorm2d(3, momentum=momentum),
        torch.nn.BatchNorm2d(3, momentum=momentum),
    )
    rng = np.random.default_rng(4)
    for step in range(4):
        x = (rng.standard_normal((4, 3, 2, 2)) * (step + 1) + step).astype("float32")
        module(nt.tensor(x))
        reference(torch.tensor(x))
    assert module.num_batches_tracked.item() == 4 and module.num_batches_tracked.dtype == nt.int64
    np.testing.assert_allclose(
        module.running_mean.numpy(), reference.running_mean.numpy(), rtol=1e-5
    )
    np.testing.assert_allclose(module.running_var.numpy(), reference.running_var.numpy(), rtol=1e-5)
    module.eval()
    reference.eval()
    x = rng.standard_normal((2, 3, 2, 2)).astype("float32")
    np.testing.assert_allclose(
        module(nt.tensor(x)).detach().numpy(),
        reference(torch.tensor(x)).detach().numpy(),
        rtol=1e-5,
        atol=1e-6,
    )
    before = module.running_mean.numpy().copy()
    module(nt.tensor(x))
    np.testing.assert_array_equal(module.running_mean.numpy(), before)  # eval never updates


def test_load_state_dict_without_num_batches_tracked() -> None:
    torch = pytest.importorskip("torch")
    reference = torch.nn.BatchNorm1d(3)
    reference(torch.randn(5, 3))
    module = nn.BatchNorm1d(3)
    state = {
        k: nt.tensor(v.numpy()) for k, v in reference.state_dict().items() if "num_batches" not in k
    }
    module.load_state_dict(state)
    np.testing.assert_allclose(module.running_mean.numpy(), reference.running_mean.numpy())
    copy_weights(reference, module)
    assert module.num_batches_tracked.item() == 1


@pytest.mark.parametrize(("name", "args", "kwargs", "shape"), [CONFIGS[1], CONFIGS[6], CONFIGS[9]])
def test_gradcheck(name, args, kwargs, shape) -> None:
    module = getattr(nn, name)(*args, **kwargs)
    for p in module.parameters():
        p.data = nt.randn(*p.shape)
    x = nt.randn(*shape, dtype=nt.float64, requires_grad=True)
    gradcheck_module(module, [x])


@pytest.mark.parametrize("kwargs", [{}, {"elementwise_affine": False}])
def test_rms_norm_gradcheck(kwargs) -> None:
    module = nn.RMSNorm((2, 3), **kwargs)
    for p in module.parameters():
        p.data = nt.randn(*p.shape)
    gradcheck_module(module, [nt.randn(2, 2, 3, dtype=nt.float64, requires_grad=True)])


def test_errors_name_module_and_shape() -> None:
    with pytest.raises(
        ValueError, match=r"BatchNorm2d\(3\) expected 4D input, got input of shape \(2, 3\)"
    ):
        nn.BatchNorm2d(3)(nt.randn(2, 3))
    with pytest.raises(ShapeError, match=r"expected input with 3 channels .* shape \(4, 5\)"):
        nn.BatchNorm1d(3)(nt.randn(4, 5))
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        nn.BatchNorm1d(3)(nt.randn(1, 3))
    with pytest.raises(
        ShapeError, match=r"LayerNorm\(\(4,\)\) expected input with shape \(\*, 4\)"
    ):
        nn.LayerNorm(4)(nt.randn(2, 5))
    with pytest.raises(ShapeError, match=r"GroupNorm\(2, 4\)"):
        nn.GroupNorm(2, 4)(nt.randn(2, 6, 3))
    with pytest.raises(ValueError, match="divisible by num_groups"):
        nn.GroupNorm(3, 4)


def test_float32_on_device(device: str) -> None:
    layers = nn.Sequential(nn.BatchNorm2d(3), nn.GroupNorm(3, 3), nn.LayerNorm([4, 4])).to(device)
    out = layers(nt.randn(2, 3, 4, 4, device=device))
    assert out.dtype == nt.float32
    out.sum().backward()
    assert all(p.grad is not None and p.grad.dtype == nt.float32 for p in layers.parameters())
    assert layers[0].running_mean.dtype == nt.float32
