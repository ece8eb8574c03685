"""autocast: which ops run in float16, which in float32, and that gradients reach float32."""

from __future__ import annotations

import numpy as np
import pytest

import nettrain as nt
import nettrain.nn as nn
import nettrain.nn.functional as F


def _mlp() -> nn.Module:
    return nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))


def test_matmul_like_ops_run_in_float16_and_losses_in_float32() -> None:
    model = _mlp()
    x, y = nt.randn(5, 4), nt.tensor([0, 1, 2, 0, 1])
    with nt.autocast("cpu"):
        out = model(x)
        probs = F.softmax(out, dim=1)
        loss = F.cross_entropy(out, y)
        conv = F.conv2d(nt.randn(1, 2, 5, 5), nt.randn(3, 2, 3, 3))
        normed = F.layer_norm(out, (3,))
    assert out.dtype == nt.float16 and conv.dtype == nt.float16
    assert probs.dtype == nt.float32 and loss.dtype == nt.float32
    assert normed.dtype == nt.float32
    loss.backward()
    for p in model.parameters():  # master weights and their gradients stay float32
        assert p.dtype == nt.float32 and p.grad.dtype == nt.float32
        assert np.isfinite(p.grad.numpy()).all()


def test_outside_the_block_and_disabled_blocks_change_nothing() -> None:
    model = _mlp()
    x = nt.randn(2, 4)
    with nt.autocast("cpu", enabled=False):
        assert model(x).dtype == nt.float32
    with nt.autocast("cuda"):  # autocasts cuda tensors only: these are on the CPU
        assert model(x).dtype == nt.float32
    assert not nt.amp.is_autocast_enabled("cpu")
    with nt.autocast("cpu"):
        assert nt.amp.is_autocast_enabled("cpu")
        with nt.autocast("cpu", enabled=False):
            assert model(x).dtype == nt.float32
        assert model(x).dtype == nt.float16
    assert model(x).dtype == nt.float32


def test_float64_is_never_cast() -> None:
    model = _mlp().double()
    with nt.autocast("cpu"):
        assert model(nt.randn(2, 4, dtype=nt.float64)).dtype == nt.float64


def test_decorator_form() -> None:
    model = _mlp()

    @nt.autocast("cpu")
    def forward(x: nt.Tensor) -> nt.Tensor:
        return model(x)

    assert forward(nt.randn(2, 4)).dtype == nt.float16
    assert model(nt.randn(2, 4)).dtype == nt.float32


def test_binary_cross_entropy_is_refused_with_the_safe_alternative() -> None:
    with nt.autocast("cpu"), pytest.raises(RuntimeError, match="with_logits"):
        F.binary_cross_entropy(nt.rand(3), nt.rand(3))
    logits = nt.randn(3)
    with nt.autocast("cpu"):
        assert F.binary_cross_entropy_with_logits(logits, nt.rand(3)).dtype == nt.float32


@pytest.mark.parametrize("bad", [("tpu", None), ("cpu", nt.float32)])
def test_bad_arguments_say_what_is_supported(bad: tuple) -> None:
    device_type, dtype = bad
    with pytest.raises(RuntimeError, match="cuda' or 'cpu'|float16"):
        nt.autocast(device_type, dtype=dtype)


def test_matches_torch_autocast_on_linear_and_loss() -> None:
    """Same weights, float16 linear, float32 loss: values agree to float16 round-off."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    x = rng.standard_normal((16, 32)).astype(np.float32)
    w = (rng.standard_normal((10, 32)) * 0.2).astype(np.float32)
    b = (rng.standard_normal(10) * 0.1).astype(np.float32)
    y = rng.integers(0, 10, 16)
    ours = [nt.tensor(a, requires_grad=True) for a in (w, b)]
    theirs = [torch.tensor(a, requires_grad=True) for a in (w, b)]
    with nt.autocast("cpu"):
        out = F.linear(nt.tensor(x), *ours)
        loss = F.cross_entropy(out, nt.tensor(y))
    with torch.autocast("cpu", dtype=torch.float16):
        t_out = torch.nn.functional.linear(torch.tensor(x), *theirs)
        t_loss = torch.nn.functional.cross_entropy(t_out, torch.tensor(y))
    assert out.dtype == nt.float16 and str(t_out.dtype) == "torch.float16"
    # float16 keeps 11 significant bits: both sides round the same float32 sums to it
    eps16 = float(np.finfo(np.float16).eps)
    scale = float(np.abs(t_out.detach().float().numpy()).max())
    np.testing.assert_allclose(
        out.detach().numpy().astype(np.float32),
        t_out.detach().float().numpy(),
        atol=2 * eps16 * scale,
    )
    np.testing.assert_allclose(loss.item(), t_loss.item(), rtol=4 * eps16)
    loss.backward()
    t_loss.backward()
    for n, t in zip(ours, theirs):
        assert n.grad.dtype == nt.float32
        grad_scale = float(np.abs(t.grad.numpy()).max())
        np.testing.assert_allclose(n.grad.numpy(), t.grad.numpy(), atol=4 * eps16 * grad_scale)
